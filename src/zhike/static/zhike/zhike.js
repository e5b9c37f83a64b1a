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

// 省/市/区县 (GB/T 2260): input[data-region] become linked selects fed by /regions.json.
// A stored name that is not in the list stays selectable, so nothing is lost on save.
function regionPicker(provinceInput, data) {
  const scope = provinceInput.form || document;
  const inputs = ["province", "city", "district"].map((level) =>
    level === "province" ? provinceInput : scope.querySelector(`input[data-region='${level}']`));
  const selects = inputs.map((input) => {
    if (!input) return null;
    const select = document.createElement("select");
    select.name = input.name;
    if (input.id) select.id = input.id;
    const label = input.getAttribute("aria-label");
    if (label) select.setAttribute("aria-label", label);
    select.dataset.value = input.value;
    select.dataset.blank = input.dataset.blank || "—";
    select.dataset.region = input.dataset.region;
    input.replaceWith(select);
    return select;
  });
  const [province, city, district] = selects;
  const fill = (select, names, value) => {
    if (!select) return;
    select.replaceChildren(new Option(select.dataset.blank, ""));
    names.forEach((name) => select.add(new Option(name, name)));
    if (value && !names.includes(value)) select.add(new Option(value, value));
    select.value = value || "";
  };
  const cities = () => (data.find((p) => p.name === province.value) || { cities: [] }).cities;
  const districts = () =>
    ((city && cities().find((c) => c.name === city.value)) || { districts: [] }).districts;
  fill(province, data.map((p) => p.name), province.dataset.value);
  fill(city, cities().map((c) => c.name), city && city.dataset.value);
  fill(district, districts(), district && district.dataset.value);
  province.addEventListener("change", () => {
    fill(city, cities().map((c) => c.name), "");
    fill(district, [], "");
  });
  if (city) city.addEventListener("change", () => fill(district, districts(), ""));
}

document.addEventListener("DOMContentLoaded", () => {
  const provinces = document.querySelectorAll("input[data-region='province'][data-regions-url]");
  if (!provinces.length) return;
  fetch(provinces[0].dataset.regionsUrl)
    .then((response) => response.json())
    .then((data) => provinces.forEach((input) => regionPicker(input, data)));
});
