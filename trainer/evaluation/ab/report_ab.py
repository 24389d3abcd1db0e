"""The A/B report's Markdown: the verdict line first, then one table a lead can decide on, then the pairs.

Light module (no torch): the export's model card and `eval compare` use its row helpers too.
"""

from __future__ import annotations

from typing import Any

KIND = "ab"


def is_ab(report: dict[str, Any]) -> bool:
    return report.get("kind") == KIND


def pct(m: dict[str, Any] | None) -> str:
    if not isinstance(m, dict) or "value" not in m:
        return "–"
    lo, hi = m["ci"]
    return f"{100 * m['value']:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]"


def pp(d: dict[str, Any] | None) -> str:
    if not isinstance(d, dict) or "value" not in d:
        return "–"
    lo, hi = d["ci"]
    return f"{100 * d['value']:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]{' *' if d.get('significant') else ''}"


def _len(m: dict[str, Any] | None) -> str:
    return f"{m['value']:.1f}" if isinstance(m, dict) and "value" in m else "–"


HEADER = ("| slice | prompts | win rate | tuned − base | length-controlled win rate | LC tuned − base | W/T/L | "
          "position-consistent | mean tokens base → tuned | closer to chosen base → tuned |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def row(label: str, s: dict[str, Any]) -> str:
    wtl = s["win_tie_loss"]
    closer = s.get("closer_to_chosen")
    closer_txt = (f"{100 * closer['base']['value']:.0f}% → {100 * closer['tuned']['value']:.0f}%" if closer else "–")
    return (f"| {label} | {s['n']} | {pct(s['win_rate'])} | {pp(s['diff'])} | {pct(s['lc_win_rate'])} | "
            f"{pp(s['lc_diff'])} | {wtl['win']}/{wtl['tie']}/{wtl['loss']} | "
            f"{100 * s['position_consistency']['value']:.0f}% | "
            f"{_len(s['mean_len']['base'])} → {_len(s['mean_len']['tuned'])} | {closer_txt} |")


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.splitlines()) if text.strip() else "> (empty)"


def render_markdown(r: dict[str, Any]) -> str:
    j, dec = r["judge"], r["decoding"]
    sampling = (f", plus {dec['samples']} samples at temperature {dec['temperature']} (seed {dec['seed']})"
                if dec.get("samples") else "")
    lines = [f"# A/B evaluation {r['name']}", "", f"**{r['verdict']['text']}**", "",
             f"- run: `{r['run_dir']}`, checkpoint `{r['checkpoint']}` (adapter sha256 `{r['adapter_sha256'][:16]}`)"
             " against its base (the same model, adapter disabled)",
             f"- split: `{r['split']}` ({r['split_path']}), {r['n_prompts']} prompts, {r['n_pairs']} judged"
             + (f", **{r['n_errors']} answer pairs without a verdict** (listed below)" if r.get("n_errors") else ""),
             f"- manifest sha256: `{r['manifest_sha256']}`" if r.get("manifest_sha256")
             else f"- manifest: none found; split file sha256 `{r.get('split_sha256')}`",
             f"- answers: greedy, at most {dec['max_new_tokens']} new tokens{sampling}",
             f"- judge: {j['label']} — {j['note']}" + (f"; {j['api_key']}" if j.get("api_key") else ""),
             f"- bootstrap: {r['bootstrap_resamples']} resamples of prompts, seed {r['seed']}, 95% CI", "",
             "Each answer pair is judged twice, tuned first and base first; a verdict that flips with the order "
             "is a tie, and position-consistent is the share judged the same both ways. Win rate counts ties as "
             "half. The length-controlled win rate is a logistic regression of the verdict on "
             "tanh(length difference / sd), read at zero difference (AlpacaEval 2's idea): what the win rate "
             "would be if both answers were equally long. * marks a difference whose 95% CI excludes 0.", "",
             "## Overall", "", HEADER, row("all", r["overall"]), ""]
    for key, groups in r["slices"].items():
        if groups:
            lines += [f"## By {key}", "", HEADER, *(row(v, s) for v, s in groups.items()), ""]
    if r.get("errors"):
        lines += ["## Answer pairs without a verdict", "",
                  *(f"- `{e['id']}` (sample {e['sample']}): {e['error']}" for e in r["errors"]), ""]
        if r["n_errors"] > len(r["errors"]):
            lines += [f"… and {r['n_errors'] - len(r['errors'])} more (all in the .pairs.jsonl sidecar)", ""]
    lines += ["## Answers (greedy)", ""]
    for g in r["generations"]:
        v = g.get("verdict", "?")
        lines += [f"### {g['id']} ({g.get('lang', '?')}, {g.get('domain', '?')}): tuned {v}"
                  + ("" if g.get("consistent") in (True, None) else ", order-dependent verdict"), "",
                  "**Prompt**", "", _quote(g["prompt"]), "",
                  f"**Base** ({g['base_tokens']} tokens)", "", _quote(g["base"]), "",
                  f"**Tuned** ({g['tuned_tokens']} tokens)", "", _quote(g["tuned"]), ""]
    t = r.get("timings", {})
    if t:
        lines += ["## Timings", "", ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                                              for k, v in t.items()), ""]
    return "\n".join(lines)
