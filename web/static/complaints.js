// The complaint form's "您是不是要找": choosing a suggested unit writes its registered name into
// the field (and its id beside it), so the intake routes by the register's exact name.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-suggest-name]");
  if (!button) return;
  const form = button.closest("form");
  if (!form) return;
  form.elements.unit_name.value = button.dataset.suggestName;
  form.elements.unit_id.value = button.dataset.suggestId;
  const box = document.getElementById("unit-suggestions");
  if (box) box.textContent = "";
});
document.addEventListener("input", (event) => {
  // typing again un-chooses the suggestion: the name typed is what counts
  if (event.target.name === "unit_name" && event.target.form && event.target.form.elements.unit_id) {
    event.target.form.elements.unit_id.value = "";
  }
});
