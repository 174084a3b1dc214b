/** The console page: four views behind tabs. Every check runs in this page, with the libraries' portable builds. */
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { AuditTimeline } from './audit.js';
import { CardViewer } from './cards.js';
import { Inspector } from './inspector.js';
import { LiveView } from './live.js';

const TABS = [
  { id: 'inspector', label: 'Token inspector', View: Inspector },
  { id: 'cards', label: 'Card viewer', View: CardViewer },
  { id: 'audit', label: 'Audit timeline', View: AuditTimeline },
  { id: 'live', label: 'Live view', View: LiveView },
] as const;

type TabId = (typeof TABS)[number]['id'];

function initialTab(): TabId {
  const wanted = location.hash.slice(1);
  return TABS.find((t) => t.id === wanted)?.id ?? 'inspector';
}

function App() {
  const [tab, setTab] = useState<TabId>(initialTab);
  const select = (id: TabId) => {
    setTab(id);
    history.replaceState(null, '', `#${id}`);
  };
  const onKey = (event: KeyboardEvent) => {
    const at = TABS.findIndex((t) => t.id === tab);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    const next = TABS[(at + step + TABS.length) % TABS.length]!;
    select(next.id);
    document.getElementById(`tab-${next.id}`)?.focus();
  };
  return (
    <>
      <header>
        <h1>agent-id console</h1>
        <p class="muted">Delegation chains, agent card verdicts and audit trails, verified in this page. Nothing leaves it unless you fetch a URL.</p>
      </header>
      <nav>
        <div role="tablist" aria-label="views" onKeyDown={onKey}>
          {TABS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              id={`tab-${t.id}`}
              data-testid={`tab-${t.id}`}
              aria-selected={tab === t.id}
              aria-controls={`panel-${t.id}`}
              tabIndex={tab === t.id ? 0 : -1}
              onClick={() => select(t.id)}
            >
              {t.label}
            </button>
          ))}
        </div>
      </nav>
      <main>
        {TABS.map((t) => (
          // Every view stays mounted (its state kept); only the selected one is shown.
          <div key={t.id} role="tabpanel" id={`panel-${t.id}`} aria-labelledby={`tab-${t.id}`} hidden={tab !== t.id}>
            <t.View active={tab === t.id} />
          </div>
        ))}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) {
  render(<App />, root);
  root.setAttribute('data-ready', 'true');
}
