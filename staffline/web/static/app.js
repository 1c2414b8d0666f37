// staffline workbench page: plain JavaScript over the JSON API, no libraries, no network beyond this server.
"use strict";

const ROLE_COLOURS = ["#1f77b4", "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#17becf", "#bcbd22"];
const DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
// absences, pins and changed hold "employee|date" keys; picked holds the version ids ticked for comparison
const state = { branch: null, plan: null, timer: null, absences: new Set(), pins: new Set(), changed: new Set(), picked: new Set(), roster: [] };

async function api(path, options) {
  const response = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const error = new Error((body && body.error) || response.statusText);
    error.problems = body && body.problems;
    throw error;
  }
  return body;
}

function el(tag, attrs, text) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function showProblems(error) {
  const box = $("problems");
  box.replaceChildren(el("strong", {}, error.message));
  if (error.problems) {
    const list = el("ul");
    for (const p of error.problems) {
      const where = [p.file, p.row != null ? "row " + p.row : null, p.field ? "field " + p.field : null].filter(Boolean).join(", ");
      list.append(el("li", {}, (where ? where + ": " : "") + p.message));
    }
    box.append(list);
  }
  box.hidden = false;
}

function minutes(text) {
  const [h, m] = String(text).split(":").map(Number);
  return h * 60 + (m || 0);
}

function clock(total) {
  return String(Math.floor(total / 60)).padStart(2, "0") + ":" + String(total % 60).padStart(2, "0");
}

async function loadBranches() {
  const branches = await api("/api/branches");
  state.branches = Object.fromEntries(branches.map((b) => [b.name, b]));
  const select = $("branch");
  select.replaceChildren(...branches.map((b) => el("option", { value: b.name }, b.name + (b.problems ? " (bad inputs)" : ""))));
  if (branches.length) await selectBranch(branches[0].name);
}

// A person-day is absent or pinned, never both: marking it one way clears the other.
function toggleMark(employee, date, pin) {
  const key = employee + "|" + date;
  const [mine, other] = pin ? [state.pins, state.absences] : [state.absences, state.pins];
  other.delete(key);
  if (mine.has(key)) mine.delete(key);
  else mine.add(key);
  renderMarks();
  drawTimeline(state.roster, state.plan ? state.plan.week : state.branch.week);
}

function clickMark(event, employee, date) {
  const pin = event.shiftKey || document.querySelector("input[name=mark]:checked").value === "pin";
  toggleMark(employee, date, pin);
}

function renderMarks() {
  const words = (set) => [...set].sort().map((k) => k.replace("|", " on "));
  const absent = words(state.absences), pinned = words(state.pins);
  $("absences").textContent = absent.length ? "Absent in the next plan: " + absent.join(", ") + "." : "";
  $("pins").textContent = pinned.length ? "Pinned for the next re-plan: " + pinned.join(", ") + "." : "";
}

function markedDays(set) {
  return [...set].map((k) => ({ employee: k.split("|")[0], date: k.split("|")[1] }));
}

// "a=1, b=2" into [["a", "1"], ["b", "2"]]; a part without "=" is an error naming it.
function pairs(text, what) {
  return text.split(",").map((p) => p.trim()).filter(Boolean).map((part) => {
    const at = part.indexOf("=");
    if (at < 1) throw new Error(what + ": '" + part + "' is not name=value");
    return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
  });
}

// The what-if inputs as the API's what_if object (empty inputs are left out).
function whatIf() {
  const out = {};
  const headcount = $("wi-headcount").value;
  if (headcount) out.headcount = Number(headcount);
  const divert = pairs($("wi-divert").value, "divert");
  if (divert.length) out.divert = Object.fromEntries(divert.map(([role, share]) => [role, Number(share)]));
  const certify = pairs($("wi-certify").value, "extra certifications");
  if (certify.length) out.certify = Object.fromEntries(certify.map(([who, roles]) => [who, roles.split("+").map((r) => r.trim())]));
  if ($("wi-model").value) out.model = $("wi-model").value;
  return out;
}

// The forecast models a what-if may pick, the branch's own first (sent as no model at all).
function renderModels(models) {
  const select = $("wi-model");
  const options = [el("option", { value: "" }, "branch default (" + (models ? models.default : "auto") + ")")];
  for (const name of (models && models.choices) || []) options.push(el("option", { value: name }, name));
  select.replaceChildren(...options);
}

async function selectBranch(name) {
  state.absences.clear();
  state.pins.clear();
  state.picked.clear();
  renderMarks();
  $("comparison").hidden = true;
  $("plan").disabled = true; // until the branch is loaded (and only if its inputs are valid)
  $("problems").hidden = true;
  stopPolling();
  const listed = (state.branches || {})[name];
  if (listed && listed.problems) {
    // bad inputs: say what to fix (as `staffline validate` would) instead of asking for the branch again
    state.branch = { name: name, staff: [], roles: {} };
    const error = new Error("Branch " + name + " has bad inputs; fix them and reload:");
    error.problems = listed.problems;
    showProblems(error);
  } else {
    try {
      state.branch = await api("/api/branches/" + encodeURIComponent(name));
    } catch (error) {
      state.branch = { name: name, staff: [], roles: {} };
      showProblems(error);
    }
  }
  if (state.branch.week) $("week").value = state.branch.week;
  renderModels(state.branch.forecast_models);
  const plans = await api("/api/plans?branch=" + encodeURIComponent(name));
  renderVersions(plans);
  if (plans.length) await showPlan(plans[0].id);
  else clearPlan();
  $("plan").disabled = !state.branch.week || (state.plan && ["queued", "running"].includes(state.plan.status));
}

function clearPlan() {
  state.plan = null;
  $("kpis").replaceChildren();
  state.roster = [];
  drawTimeline([], state.branch.week); // staff and days, so absences can be marked before the first plan
  Plotly.purge("progress");
  clearCharts();
  $("downloads").replaceChildren();
  $("findings").replaceChildren(el("p", {}, "No plan of this branch yet: press Plan."));
  $("status").textContent = "";
  $("publish").disabled = true;
  $("delete").disabled = true;
  $("replan").disabled = true;
  $("stop").disabled = true;
  $("plan").disabled = false;
}

async function showPlan(id) {
  const plan = await api("/api/plans/" + id);
  state.plan = plan;
  const active = plan.status === "queued" || plan.status === "running";
  $("status").textContent = "plan " + plan.id + ": " + plan.status + (plan.status === "running" && plan.progress.length ? ", gap " + pct(plan.progress.at(-1).gap) : "");
  $("stop").disabled = !active;
  $("plan").disabled = active;
  $("publish").disabled = plan.status !== "done";
  $("delete").disabled = active || Boolean(plan.published); // the server keeps published plans (409)
  $("replan").disabled = plan.status !== "done";
  $("published").textContent = plan.published ? "published to " + plan.published : "";
  drawProgress(plan.progress);
  renderKpis(plan);
  renderFindings(plan);
  renderDownloads(plan);
  state.changed = new Set();
  $("changes").textContent = "";
  $("changes-box").hidden = true;
  setReplanWindow(plan.week);
  if (plan.status === "done") {
    state.roster = await api("/api/plans/" + id + "/roster");
    if (plan.kind === "replan") await loadChanges(plan);
    drawTimeline(state.roster, plan.week);
    drawHourly(await api("/api/plans/" + id + "/hourly"));
  } else {
    state.roster = [];
    $("timeline").replaceChildren();
    clearCharts();
  }
  if (active) schedulePoll(id);
  else {
    stopPolling();
    renderVersions(await api("/api/plans?branch=" + encodeURIComponent(plan.branch)));
  }
}

// The person-days a done re-plan changed against its parent: outlined on the timeline and listed row by row.
async function loadChanges(plan) {
  const changes = await api("/api/plans/" + plan.id + "/changes");
  state.changed = new Set(changes.rows.map((r) => r.employee + "|" + r.date));
  $("changes").textContent = "(" + changes.rows.length + " person-days against plan " + changes.parent + ")";
  const rows = changes.rows.map((r) => {
    const tr = el("tr");
    for (const key of ["employee", "date", "before", "after", "reason"]) tr.append(el("td", {}, r[key]));
    return tr;
  });
  $("changes-list").tBodies[0].replaceChildren(...rows);
  $("changes-box").hidden = false;
}

// "Re-plan from" offers only moments in the shown plan's week (the API refuses others).
function setReplanWindow(week) {
  const input = $("replan-from");
  if (!week) return;
  const sunday = new Date(new Date(week + "T00:00:00Z").getTime() + 6 * 86400000).toISOString().slice(0, 10);
  input.min = week + "T00:00";
  input.max = sunday + "T23:59";
  if (input.value && (input.value < input.min || input.value > input.max)) input.value = "";
}

function schedulePoll(id) {
  stopPolling();
  state.timer = setTimeout(() => showPlan(id).catch(showProblems), 700);
}

function stopPolling() {
  if (state.timer) clearTimeout(state.timer);
  state.timer = null;
}

function pct(x) {
  return x == null ? "–" : (100 * x).toFixed(2) + "%";
}

function card(key, value) {
  const c = el("div", { class: "card" });
  c.append(el("div", { class: "v" }, value), el("div", { class: "k" }, key));
  return c;
}

function renderKpis(plan) {
  const k = plan.kpis || {};
  const cards = [];
  if (k.objective != null) cards.push(card("objective", k.objective.toFixed(1)), card("gap to bound", pct(k.gap)));
  if (k.cost != null) cards.push(card("labour cost", Math.round(k.cost)));
  if (k.hours != null) cards.push(card("paid hours", Math.round(k.hours)));
  for (const [role, r] of Object.entries(k.roles || {})) {
    cards.push(card(role + ": expected wait", r.expected_wait_minutes.toFixed(2) + " min"));
    cards.push(card(role + ": service level", pct(r.service_level)));
  }
  $("kpis").replaceChildren(...cards);
}

function renderFindings(plan) {
  const k = plan.kpis || {};
  const out = [];
  if (plan.error) out.push(el("p", { class: "error" }, plan.error));
  const why = k.diagnosis;
  if (why) {
    const parts = [["rules in conflict", why.rules], ["roles", why.roles], ["employees", why.employees], ["days", why.days]];
    const list = el("ul");
    for (const [label, values] of parts) if (values && values.length) list.append(el("li", {}, label + ": " + values.join(", ")));
    out.push(list);
  }
  const penalties = Object.entries(k.penalties || {});
  if (penalties.length) {
    const list = el("ul");
    for (const [rule, value] of penalties) list.append(el("li", {}, "soft rule '" + rule + "' costs " + value + " in the objective"));
    out.push(el("p", {}, "Soft rules this roster bends:"), list);
  } else if (plan.status === "done") {
    out.push(el("p", {}, "Every soft rule is met."));
  }
  if (!out.length) out.push(el("p", {}, plan.status === "done" ? "Nothing to report." : "Waiting for the plan to finish."));
  $("findings").replaceChildren(...out);
}

function renderDownloads(plan) {
  const list = $("downloads");
  list.replaceChildren();
  if (plan.status !== "done") return;
  const base = "/api/plans/" + plan.id;
  list.append(linkItem(base + "/roster?format=csv", "roster.csv"));
  for (const name of ["report.html", "roster.xlsx", "kpis.json", "roster_wide.csv", "coverage.csv", "simulation.csv", "changes.csv"]) {
    if (plan.files.includes(name)) list.append(linkItem(base + "/files/" + name, name));
  }
  if (plan.files.some((f) => f.startsWith("calendars/"))) list.append(linkItem(base + "/calendars.zip", "calendars (ICS, zip)"));
}

function linkItem(href, text) {
  const li = el("li");
  li.append(el("a", { href: href, download: "" }, text));
  return li;
}

function renderVersions(plans) {
  state.created = Object.fromEntries(plans.map((p) => [p.id, p.created]));
  const body = $("versions").tBodies[0];
  body.replaceChildren();
  for (const p of plans) {
    const tr = el("tr", { "data-id": p.id, class: state.plan && state.plan.id === p.id ? "current" : "" });
    const k = p.kpis || {};
    const tick = el("input", { type: "checkbox", title: "compare this version" });
    tick.checked = state.picked.has(p.id);
    tick.disabled = p.status !== "done";
    tick.addEventListener("click", (e) => {
      e.stopPropagation(); // ticking is not opening
      if (tick.checked) state.picked.add(p.id);
      else state.picked.delete(p.id);
      $("compare").disabled = state.picked.size !== 2;
    });
    const cell = el("td");
    cell.append(tick);
    tr.append(cell, el("td", {}, p.created.slice(0, 19).replace("T", " ")), el("td", {}, p.kind), el("td", {}, p.status), el("td", {}, k.objective != null ? k.objective.toFixed(1) : "–"), el("td", {}, pct(k.gap)));
    tr.addEventListener("click", () => showPlan(p.id).catch(showProblems));
    body.append(tr);
  }
  $("compare").disabled = state.picked.size !== 2;
}

// The two ticked versions side by side, the older as A: a KPI table (B - A for numbers) and rostered vs required per hour.
async function showComparison() {
  const [a, b] = [...state.picked].sort((x, y) => (state.created[x] < state.created[y] ? -1 : 1));
  const data = await api("/api/compare?a=" + a + "&b=" + b);
  $("compare-ids").textContent = "A = " + a + " (" + data.plans[0].kind + "), B = " + b + " (" + data.plans[1].kind + ")";
  const fmt = (v) => (typeof v === "number" ? v.toFixed(Math.abs(v) >= 100 ? 1 : 3) : v == null ? "–" : String(v));
  const rows = Object.entries(data.kpis).map(([name, [x, y]]) => {
    const tr = el("tr");
    const diff = typeof x === "number" && typeof y === "number" ? fmt(y - x) : "";
    tr.append(el("td", {}, name), el("td", {}, fmt(x)), el("td", {}, fmt(y)), el("td", {}, diff));
    return tr;
  });
  $("compare-kpis").tBodies[0].replaceChildren(...rows);
  const order = Object.keys(state.branch.roles || {}); // the timeline's colours
  const colour = (role) => ROLE_COLOURS[(order.includes(role) ? order.indexOf(role) : order.length) % ROLE_COLOURS.length];
  const traces = [];
  data.hourly.forEach((roles, i) => {
    for (const [role, s] of Object.entries(roles)) {
      const line = { color: colour(role), dash: i ? "dash" : "solid" };
      traces.push({ x: data.hours, y: s.rostered, name: role + " rostered " + "AB"[i], mode: "lines+markers", line: line });
      if (!i) traces.push({ x: data.hours, y: s.required, name: role + " required", mode: "lines", line: { color: colour(role), dash: "dot", shape: "hvh" }, opacity: 0.6 });
    }
  });
  $("comparison").hidden = false;
  Plotly.react("chart-compare", traces, { title: { text: "Staff per hour: A solid, B dashed, A's required dotted", font: { size: 12 } }, margin: PLOT_MARGIN }, PLOT_CONFIG);
}

const PLOT_CONFIG = { displayModeBar: false, responsive: true };
const PLOT_MARGIN = { l: 50, r: 10, t: 30, b: 40 };

function drawProgress(points) {
  points = points || [];
  const trace = (key, colour) => ({ x: points.map((p) => p.t), y: points.map((p) => p[key]), name: key, mode: "lines+markers", line: { color: colour, shape: "hv" } });
  Plotly.react("progress", [trace("objective", "#1f77b4"), trace("bound", "#ff7f0e")], { margin: { l: 50, r: 10, t: 10, b: 30 }, xaxis: { title: { text: "seconds" }, rangemode: "tozero" }, yaxis: { rangemode: "tozero" }, legend: { orientation: "h", y: 1.15 } }, PLOT_CONFIG);
}

function drawHourly(data) {
  const roles = Object.keys(data.roles);
  const order = Object.keys(state.branch.roles || {}); // the timeline's colours: the branch's role order
  const colour = (role) => ROLE_COLOURS[(order.includes(role) ? order.indexOf(role) : order.length) % ROLE_COLOURS.length];
  const line = (role, key, extra) => Object.assign({ x: data.hours, y: data.roles[role][key], name: role, mode: "lines+markers", line: { color: colour(role) } }, extra || {});
  const arrivals = roles.flatMap((role) => [
    line(role, "arrivals_hi80", { name: role + " 80% band", mode: "lines", line: { width: 0, color: colour(role) }, showlegend: false }),
    line(role, "arrivals_lo80", { name: role + " 80% band", mode: "lines", fill: "tonexty", line: { width: 0, color: colour(role) }, opacity: 0.2, showlegend: false }),
    line(role, "arrivals"),
  ]);
  Plotly.react("chart-arrivals", arrivals, { title: { text: "Arrivals per hour (band: slots' 80% intervals summed)", font: { size: 12 } }, margin: PLOT_MARGIN }, PLOT_CONFIG);
  const staffing = roles.flatMap((role) => [
    line(role, "required", { name: role + " required", line: { color: colour(role), dash: "dot", shape: "hvh" }, mode: "lines" }),
    line(role, "rostered", { name: role + " rostered" }),
  ]);
  Plotly.react("chart-staffing", staffing, { title: { text: "Required vs rostered staff", font: { size: 12 } }, margin: PLOT_MARGIN }, PLOT_CONFIG);
  const wait = roles.flatMap((role) => [
    line(role, "expected_wait", { name: role + " expected" }),
    line(role, "simulated_wait", { name: role + " simulated", line: { color: colour(role), dash: "dash" }, marker: { symbol: "x" } }),
  ]).filter((t) => t.y.some((v) => v != null)); // a plan without simulation draws the expected wait alone
  Plotly.react("chart-wait", wait, { title: { text: "Wait (minutes per customer): expected solid, simulated dashed", font: { size: 12 } }, margin: PLOT_MARGIN }, PLOT_CONFIG);
}

function clearCharts() {
  for (const id of ["chart-arrivals", "chart-staffing", "chart-wait"]) Plotly.purge(id);
}

function drawTimeline(roster, week) {
  const svg = $("timeline");
  svg.replaceChildren();
  const roles = Object.keys(state.branch.roles || {});
  for (const r of roster) if (!roles.includes(r.role)) roles.push(r.role);
  const colour = (role) => ROLE_COLOURS[roles.indexOf(role) % ROLE_COLOURS.length];
  $("legend").replaceChildren(...roles.flatMap((r) => [el("span", { class: "sw", style: "background:" + colour(r) }), document.createTextNode(r)]));
  const staff = (state.branch.staff || []).map((e) => e.id);
  for (const r of roster) if (!staff.includes(r.employee)) staff.push(r.employee);
  const names = Object.fromEntries((state.branch.staff || []).map((e) => [e.id, e.name]));
  const monday = new Date((week || roster[0]?.date || "1970-01-05") + "T00:00:00Z");
  const days = [...Array(7).keys()].map((d) => new Date(monday.getTime() + d * 86400000).toISOString().slice(0, 10));
  const open = roster.length ? Math.floor(Math.min(...roster.map((r) => minutes(r.start))) / 60) * 60 : 8 * 60;
  const close = roster.length ? Math.ceil(Math.max(...roster.map((r) => minutes(r.end))) / 60) * 60 : 18 * 60;
  const label = 120, dayW = 150, rowH = 20, top = 36;
  const dayX = (d) => label + d * dayW;
  const timeX = (d, m) => dayX(d) + ((dayW - 6) * (m - open)) / (close - open);
  svg.setAttribute("width", label + 7 * dayW + 10);
  svg.setAttribute("height", top + staff.length * rowH + 10);
  $("roster-week").textContent = "week of " + days[0];
  days.forEach((date, d) => {
    svg.append(el("svg:text", { x: dayX(d) + 4, y: 12 }, DAY_NAMES[d] + " " + date.slice(5)));
    svg.append(el("svg:line", { class: "day", x1: dayX(d), x2: dayX(d), y1: 16, y2: top + staff.length * rowH }));
    const step = close - open > 8 * 60 ? 180 : 120;
    for (let m = open; m < close; m += step) {
      // no label at closing time: it would sit on the next day's opening label
      svg.append(el("svg:line", { class: "grid", x1: timeX(d, m), x2: timeX(d, m), y1: top - 6, y2: top + staff.length * rowH }));
      svg.append(el("svg:text", { x: timeX(d, m) + 1, y: top - 8, "font-size": 9 }, clock(m)));
    }
  });
  staff.forEach((id, i) => {
    svg.append(el("svg:text", { x: 4, y: top + i * rowH + 14, class: "employee" }, id + (names[id] ? " " + names[id] : "")));
    days.forEach((date, d) => {
      const key = id + "|" + date;
      const classes = ["cell", state.absences.has(key) ? "absent" : "", state.pins.has(key) ? "pinned" : "", state.changed.has(key) ? "changed" : ""];
      const cell = el("svg:rect", { class: classes.filter(Boolean).join(" "), x: dayX(d), y: top + i * rowH, width: dayW, height: rowH, "data-employee": id, "data-date": date });
      cell.append(el("svg:title", {}, "click: mark " + id + " absent (or pinned) on " + date + " for the next plan (click again to clear)"));
      cell.addEventListener("click", (e) => clickMark(e, id, date));
      svg.append(cell);
    });
  });
  const tip = $("tooltip");
  tip.hidden = true; // its block may be gone: a redraw removes blocks without a mouseleave
  for (const r of roster) {
    const d = days.indexOf(r.date), i = staff.indexOf(r.employee);
    if (d < 0 || i < 0) continue;
    const x1 = timeX(d, minutes(r.start)), x2 = timeX(d, minutes(r.end));
    const rect = el("svg:rect", { class: "block", x: x1, y: top + i * rowH + 2, width: Math.max(x2 - x1, 1), height: rowH - 4, fill: colour(r.role), "data-employee": r.employee, "data-date": r.date });
    const text = r.employee + (names[r.employee] ? " (" + names[r.employee] + ")" : "") + ", " + DAY_NAMES[d] + " " + r.date + ", " + r.start + "–" + r.end + ", " + r.role;
    rect.append(el("svg:title", {}, text));
    rect.addEventListener("mousemove", (e) => {
      tip.textContent = text;
      tip.style.left = e.clientX + 12 + "px";
      tip.style.top = e.clientY + 12 + "px";
      tip.hidden = false;
    });
    rect.addEventListener("mouseleave", () => (tip.hidden = true));
    rect.addEventListener("click", (e) => {
      tip.hidden = true;
      clickMark(e, r.employee, r.date);
    });
    svg.append(rect);
  }
}

async function startPlan() {
  $("problems").hidden = true;
  const body = { time_limit: Number($("time-limit").value) || 30 };
  const week = $("week").value;
  if (week && week !== state.branch.week) body.week = week;
  if (state.absences.size) body.absences = markedDays(state.absences);
  try {
    const what = whatIf();
    if (Object.keys(what).length) body.what_if = what;
    const created = await api("/api/branches/" + encodeURIComponent(state.branch.name) + "/plans", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await showPlan(created.id);
  } catch (error) {
    showProblems(error);
  }
}

// Re-plan: the shown (done) plan's roster, kept as far as possible, with the marked person-days absent and the pinned ones kept.
async function startReplan() {
  if (!state.plan || state.plan.status !== "done") return;
  $("problems").hidden = true;
  const body = {
    time_limit: Number($("time-limit").value) || 30,
    absences: markedDays(state.absences),
    pins: markedDays(state.pins),
  };
  if ($("replan-from").value) body.frozen_until = $("replan-from").value;
  try {
    const created = await api("/api/plans/" + state.plan.id + "/replan", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await showPlan(created.id);
  } catch (error) {
    showProblems(error);
  }
}

async function stopPlan() {
  if (!state.plan) return;
  try {
    await api("/api/plans/" + state.plan.id, { method: "DELETE" });
  } catch (error) {
    showProblems(error);
  }
  await showPlan(state.plan.id);
}

async function deletePlan() {
  const plan = state.plan;
  if (!plan || !window.confirm("Delete plan " + plan.id + " and its files?")) return;
  try {
    await api("/api/plans/" + plan.id, { method: "DELETE" });
  } catch (error) {
    showProblems(error); // 409: published, or a running re-plan still reads it
    return;
  }
  state.picked.delete(plan.id);
  const plans = await api("/api/plans?branch=" + encodeURIComponent(plan.branch));
  renderVersions(plans);
  if (plans.length) await showPlan(plans[0].id);
  else clearPlan();
}

async function publishPlan() {
  try {
    const out = await api("/api/plans/" + state.plan.id + "/publish", { method: "POST" });
    $("published").textContent = "published " + out.files.length + " files";
    state.plan.published = true;
    $("delete").disabled = true; // the server keeps published plans
  } catch (error) {
    showProblems(error);
  }
}

$("branch").addEventListener("change", (e) => selectBranch(e.target.value).catch(showProblems));
$("plan").addEventListener("click", startPlan);
$("replan").addEventListener("click", startReplan);
$("stop").addEventListener("click", stopPlan);
$("publish").addEventListener("click", publishPlan);
$("delete").addEventListener("click", deletePlan);
$("compare").addEventListener("click", () => showComparison().catch(showProblems));
loadBranches().catch(showProblems);
