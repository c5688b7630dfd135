// #/validators: the validator set, voting power, the last certificate and this node.

import { h, card, table, fields } from "../lib/dom.js";
import { batch, must, RpcError } from "../lib/rpc.js";
import { num, addr, plainAddr, blockLink, badge, hash } from "../lib/ui.js";

export default {
  name: "validators",
  title: () => "Validators",
  async load() {
    const [v, info, cert] = await batch([
      ["restake_getValidators", ["latest"]],
      ["restake_nodeInfo", []],
      ["restake_getCertificate", ["latest"]],
    ]);
    const set = must(v);
    // Each validator's latest proposed block (restake_getBlocksByProposer).
    const proposed = set ? await batch(set.validators.map((x) => ["restake_getBlocksByProposer", [x.address, { limit: 1 }]])) : [];
    const last = new Map((set ? set.validators : []).map((x, i) => [x.address.toLowerCase(), proposed[i] instanceof RpcError ? null : proposed[i].items[0] || null]));
    return { set, info: must(info), cert: cert instanceof RpcError ? null : cert, last };
  },
  view(d) {
    const signed = new Map(d.cert ? d.cert.signatures.map((x) => [x.validator.toLowerCase(), x.signature]) : []);
    const me = d.info.validatorAddress ? d.info.validatorAddress.toLowerCase() : null;
    const set = d.set;
    const summary = card(
      null,
      fields([
        ["Validators", num("total:validators", set ? set.validators.length : 0)],
        ["Voting power", num("total:voting-power", set ? set.totalPower : 0)],
        ["Certificate needs", set ? `more than two thirds of ${set.totalPower}` : "—"],
        ["Validator set hash", set ? hash(set.validatorSetHash) : "—"],
        ["Last certificate", d.cert ? h("span", null, "block ", blockLink(d.cert.height, "certificate-height"), `, round ${d.cert.round}, `, num("certificate-signers", d.cert.signatures.length), " signatures") : h("span", { class: "muted" }, "none yet")],
      ]),
    );
    const vals = card(
      "Validator set",
      table(
        ["Consensus address", "Power", "Share", "Operator", "Signed the last certificate", "Last block proposed"],
        (set ? set.validators : []).map((v) => {
          const a = v.address.toLowerCase();
          const share = set.totalPower ? ((v.power * 10000) / set.totalPower / 100).toFixed(2) + "%" : "—";
          return [h("span", null, plainAddr(a), a === me ? [" ", badge("this node", "")] : null), num(`validator-power:${a}`, v.power), share, v.operator ? addr(v.operator, "operator") : h("span", { class: "muted" }, "none"), signed.has(a) ? badge("yes", "ok") : badge("no", "warn"), d.last.get(a) ? blockLink(d.last.get(a).blockNumber, `validator-last-block:${a}`) : h("span", { class: "muted" }, "none yet")];
        }),
      ),
    );
    const node = card(
      "This node",
      fields([
        ["Role", h("span", { "data-field": "node-role", "data-raw": d.info.role }, d.info.role)],
        ["Chain id", num("node-chain-id", d.info.chainId)],
        ["Latest height", num("node-height", d.info.latestHeight)],
        ["Peers", num("node-peers", d.info.peers)],
        ["Catching up", d.info.catchingUp ? badge("yes", "warn") : badge("no", "ok")],
      ]),
    );
    return h("div", { class: "grid" }, summary, vals, node);
  },
};
