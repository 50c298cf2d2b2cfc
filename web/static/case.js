// The case page: on a narrow screen the diagram scrolls inside its box; start it at the
// case's current state rather than at the left edge.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector(".diagram");
  const current = box && box.querySelector(".cm-current");
  if (!box || !current || box.scrollWidth <= box.clientWidth) return;
  const b = box.getBoundingClientRect();
  const c = current.getBoundingClientRect();
  box.scrollLeft += c.left + c.width / 2 - (b.left + b.width / 2);
});
