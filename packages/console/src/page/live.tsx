export function LiveView(_: { active: boolean }) {
  return <section data-testid="view-live">todo</section>;
}
