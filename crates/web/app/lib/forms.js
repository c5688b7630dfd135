// Wallet action forms: <form data-action="<action>"> with inputs named as the action's fields,
// a submit button and a result area [data-result]. Submitting builds the action JSON, has the
// wallet sign it (restake_prepareTransaction → eth_signTypedData_v4 → restake_sendTransaction)
// and shows the receipt.

import { h } from "./dom.js";
import { shortHash } from "./format.js";
import { sendAction } from "./wallet.js";

function control(f) {
  const id = "f-" + Math.random().toString(36).slice(2, 9);
  let input;
  if (f.type === "select") {
    input = h("select", { name: f.name, id });
  } else if (f.type === "checks") {
    input = h("div", { class: "checks", id, role: "group" });
  } else if (f.type === "checkbox") {
    input = h("input", { type: "checkbox", name: f.name, id, checked: f.value !== false });
  } else {
    input = h("input", {
      type: f.type === "number" ? "number" : f.type === "hidden" ? "hidden" : "text",
      name: f.name,
      id,
      value: f.value ?? "",
      placeholder: f.placeholder || (f.type === "address" ? "0x…" : f.type === "amount" ? "e.g. 1.5" : ""),
      inputmode: f.type === "amount" ? "decimal" : undefined,
      min: f.type === "number" ? "0" : undefined,
      autocomplete: "off",
      spellcheck: "false",
    });
  }
  if (f.type === "hidden") return { row: input, input };
  const row = h(
    "div",
    { class: ["form-row", f.type === "checkbox" && "inline"] },
    h("label", { for: id }, f.label || f.name),
    input,
    f.hint ? h("small", { class: "hint" }, f.hint) : null,
  );
  return { row, input };
}

function setOptions(f, input, opts) {
  const key = JSON.stringify(opts);
  if (input.dataset.opts === key) return;
  input.dataset.opts = key;
  if (f.type === "checks") {
    const was = new Set([...input.querySelectorAll("input:checked")].map((i) => i.value));
    const first = !input.dataset.init;
    input.dataset.init = "1";
    input.replaceChildren(
      ...opts.map(([v, label, on]) =>
        h("label", { class: "check" }, h("input", { type: "checkbox", name: f.name, value: v, checked: first ? Boolean(on) : was.has(v) }), " " + label),
      ),
    );
    if (!opts.length) input.appendChild(h("span", { class: "muted" }, f.none || "nothing to choose"));
    return;
  }
  const cur = input.value;
  input.replaceChildren(...opts.map(([v, label]) => h("option", { value: v }, label)));
  if (opts.some(([v]) => v === cur)) input.value = cur;
}

/** The values of a form: name -> string (checkbox: boolean; checks: array of values). */
function values(form, spec) {
  const out = {};
  for (const f of spec.fields) {
    if (f.type === "checks") out[f.name] = [...form.querySelectorAll(`input[name="${f.name}"]:checked`)].map((i) => i.value);
    else if (f.type === "checkbox") out[f.name] = form.querySelector(`input[name="${f.name}"]`).checked;
    else out[f.name] = form.querySelector(`[name="${f.name}"]`).value.trim();
  }
  return out;
}

/** Shows a receipt (or an error) in a result area. */
export function showResult(area, r) {
  if (r.error) {
    area.replaceChildren(h("p", { class: "error" }, r.error));
    return;
  }
  const { hash, receipt } = r;
  const ok = receipt.status === "success";
  area.replaceChildren(
    ...[
    h("p", { class: ok ? "ok" : "error" }, "status: " + receipt.status),
    h("p", null, "transaction ", h("a", { href: `#/tx/${hash}`, "data-tx": hash, title: hash }, shortHash(hash)), ` in block ${receipt.blockNumber}`),
    !ok && receipt.error ? h("p", { class: "error" }, `${receipt.error.name}: ${receipt.error.message}`) : null,
    ].filter(Boolean),
  );
}

/**
 * Builds one action form. spec: {action, title, help?, fields: [{name, label, type, options?(data),
 * value?, hint?}], build(values, data) -> action, visible?(data), submit?}. ctx.refresh() is
 * called after a receipt. Returns {el, update(data)}.
 */
export function actionForm(spec, ctx) {
  const controls = spec.fields.map((f) => ({ f, ...control(f) }));
  const result = h("div", { class: "result", "data-result": "", "aria-live": "polite" });
  const button = h("button", { type: "submit" }, spec.submit || spec.title);
  const form = h(
    "form",
    { "data-action": spec.action, class: "action-form", novalidate: true },
    h("h3", null, spec.title),
    spec.help ? h("p", { class: "hint" }, spec.help) : null,
    controls.map((c) => c.row),
    h("div", { class: "form-actions" }, button),
    result,
  );
  let data = null;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (button.disabled) return;
    let action;
    try {
      action = spec.build(values(form, spec), data);
    } catch (e) {
      showResult(result, { error: e.message || String(e) });
      return;
    }
    button.disabled = true;
    try {
      const r = await sendAction(action, (text) => result.replaceChildren(h("p", { class: "muted" }, text)));
      showResult(result, r);
      ctx.refresh();
    } catch (e) {
      showResult(result, { error: (e && (e.text || e.message)) || String(e) });
    } finally {
      button.disabled = false;
    }
  });
  return {
    el: form,
    update(d) {
      data = d;
      for (const c of controls) if (c.f.options) setOptions(c.f, c.input, c.f.options(d));
      if (spec.visible) form.hidden = !spec.visible(d);
    },
  };
}

/** Forms from specs under a heading, as the page's forms region: [{el, update(data)}]. */
export function formsCard(title, ctx, specs) {
  const forms = specs.map((spec) => actionForm(spec, ctx));
  const el = h("div", { class: "card forms" }, h("h2", null, title), h("div", { class: "form-grid" }, forms.map((f) => f.el)));
  return [{ el, update: (d) => forms.forEach((f) => f.update(d)) }];
}

/** Checks an address field in words. */
export function needAddress(v, what) {
  if (!/^0x[0-9a-fA-F]{40}$/.test(v || "")) throw new Error(`${what}: "${v || ""}" is not an address (0x and 40 hex digits)`);
  return v.toLowerCase();
}

/** Checks a whole number field in words. */
export function needInt(v, what) {
  if (!/^\d+$/.test(v || "")) throw new Error(`${what}: "${v || ""}" is not a whole number`);
  return Number(v);
}
