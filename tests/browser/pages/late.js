// Text added after the page loaded, as single-page apps do.
setTimeout(() => {
  const p = document.createElement("p");
  p.id = "late";
  p.append(document.createTextNode("Every patient is a candidate for our treatment."));
  document.getElementById("late-home").append(p);
  window.__pageSnapshot = document.body.innerHTML; // the page's own DOM, after its own changes
}, 1500);
