// "Afdrukken" on the worklist's print version: the browser's print dialog (the list on that
// page was audited per patient when it was made).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print-now]")) {
    window.print();
  }
});
