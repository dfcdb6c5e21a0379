// Checks Adaptive Cards with Microsoft's own parser (npm adaptivecards, the renderer's model,
// run headless: its bundle parses and serialises without a DOM), for vigie's Teams tests.
//
//   node card_check.mjs < cards.jsonl      one card (the attachment's content) per line
// prints one JSON line per card: {"ok": true} or {"ok": false, "problems": [...]}. A card is
// ok when the parser reports nothing while reading it at its own version (no unknown element
// or action, no invalid value, nothing newer than the card's version), its validation reports
// nothing, and what the parser understood, written back out (toJSON), is the card that was
// sent: a property of the wrong type or shape is dropped by the parser and shows here as a
// difference.
import { createRequire } from "node:module";
import readline from "node:readline";

const require = createRequire(new URL("./node/package.json", import.meta.url));
const AC = require("adaptivecards/dist/adaptivecards.js");

// Enumerations the parser writes back in its own case ("Medium" read, "medium" written).
const ENUMS = new Set(["size", "weight", "spacing", "style", "color", "horizontalAlignment", "height"]);

function normal(v, key) {
  if (Array.isArray(v)) return v.map((x) => normal(x));
  if (v && typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v).sort()) if (k !== "$schema") out[k] = normal(v[k], k);
    return out;
  }
  if (typeof v === "string" && ENUMS.has(key)) return v.toLowerCase();
  return v;
}

function diff(a, b, path, out) {
  if (out.length > 10) return;
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null) {
    if (a !== b) out.push(`${path}: sent ${JSON.stringify(a)}, parsed ${JSON.stringify(b)}`);
    return;
  }
  if (typeof a === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) diff(a[k], b[k], `${path}/${k}`, out);
    return;
  }
  if (a !== b) out.push(`${path}: sent ${JSON.stringify(a)}, parsed ${JSON.stringify(b)}`);
}

function check(card) {
  const problems = [];
  const version = AC.Version.parse(card.version, new AC.SerializationContext());
  if (!version || !version.isValid) problems.push(`version ${JSON.stringify(card.version)} is not one the parser knows`);
  const ctx = new AC.SerializationContext(version && version.isValid ? version : undefined);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, ctx);
  for (let i = 0; i < ctx.eventCount; i++) problems.push(`parse: ${ctx.getEventAt(i).message}`);
  for (const e of parsed.validateProperties().validationEvents) problems.push(`validation: ${e.message}`);
  diff(normal(card), normal(parsed.toJSON()), "", problems);
  return problems.length ? { ok: false, problems } : { ok: true };
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  let r;
  try {
    r = check(JSON.parse(line));
  } catch (e) {
    r = { ok: false, problems: [`exception: ${e && e.stack ? e.stack : e}`] };
  }
  process.stdout.write(JSON.stringify(r) + "\n");
}
