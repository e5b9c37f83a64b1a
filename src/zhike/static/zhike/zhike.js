// Script is here: the phone's navigation may collapse into its menu (zhike.css, .js).
document.documentElement.classList.add("js");

// The phone's menu button shows and hides the navigation.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-nav-toggle]") : null;
  if (!button) return;
  const nav = document.getElementById(button.getAttribute("aria-controls"));
  const open = nav.classList.toggle("open");
  button.setAttribute("aria-expanded", open ? "true" : "false");
});

// Small behaviours that CSP forbids inline: auto-submitting selects.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit")) {
    target.form.submit();
  }
});

// 外勤签到: a button[data-check-in] asks the browser for the phone's position (the person
// consents in the browser's own prompt) and fills the form's hidden location fields. No map
// service is called; the coordinates go to zhike with the form.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-check-in]") : null;
  if (!button) return;
  event.preventDefault();
  const form = button.closest("form");
  const status = form.querySelector("[data-check-in-status]");
  const say = (text) => { if (status) status.textContent = text; };
  if (!("geolocation" in navigator)) { say(button.dataset.unsupported); return; }
  say(button.dataset.locating);
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const set = (name, value) => { form.elements[name].value = value; };
      set("latitude", position.coords.latitude.toFixed(6));
      set("longitude", position.coords.longitude.toFixed(6));
      set("accuracy_m", Math.round(position.coords.accuracy));
      set("located_at", new Date(position.timestamp).toISOString());
      say(button.dataset.done.replace("%s", Math.round(position.coords.accuracy)));
    },
    () => say(button.dataset.denied),
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
});

// A printable form (IMP-3): button[data-print] prints the page; CSP forbids onclick.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (!button) return;
  event.preventDefault();
  window.print();
});
