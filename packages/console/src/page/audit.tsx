export function AuditTimeline(_: { active: boolean }) {
  return <section data-testid="view-audit">todo</section>;
}
