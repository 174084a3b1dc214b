/** The console page: four views behind tabs. Every check runs in this page, with the libraries' portable builds. */
import { type ComponentType, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';

type View = ComponentType<{ active: boolean }>;

// Each view is its own chunk, loaded the first time its tab is shown: the page opens with
// only what the selected view needs.
const TABS = [
  { id: 'inspector', label: 'Token inspector', load: async (): Promise<View> => (await import('./inspector.js')).Inspector },
  { id: 'cards', label: 'Card viewer', load: async (): Promise<View> => (await import('./cards.js')).CardViewer },
  { id: 'audit', label: 'Audit timeline', load: async (): Promise<View> => (await import('./audit.js')).AuditTimeline },
  { id: 'live', label: 'Live view', load: async (): Promise<View> => (await import('./live.js')).LiveView },
] as const;

/** A view loaded on first show, then kept mounted (its state kept) while hidden. */
function Lazy({ load, active }: { load: () => Promise<View>; active: boolean }) {
  const [view, setView] = useState<{ View: View } | undefined>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (active && view === undefined) {
      load().then(
        (View) => setView({ View }),
        () => setFailed(true),
      );
    }
  }, [active, view, load]);
  if (failed) return <p role="alert">This view could not be loaded.</p>;
  if (view === undefined) return active ? <p class="muted">Loading…</p> : null;
  return <view.View active={active} />;
}

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
            <Lazy load={t.load} active={tab === t.id} />
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
