"""Write taxonomy/rev7-hypothetical: a clearly-labelled HYPOTHETICAL next revision derived from 6차.

It is a test and notebook fixture, not a real revision. Every kind of change a maintainer meets is present
once or twice; the expected diff is listed in taxonomy/rev7-hypothetical/EXPECTED_DIFF.md and asserted in tests.
Re-run: .venv/bin/python scripts/make_hypothetical_revision.py
"""
import csv
import json
import shutil

from workbench.config import TAXONOMY_DIR

SRC, OUT = TAXONOMY_DIR / "rev6", TAXONOMY_DIR / "rev7-hypothetical"
RENAMED = {"A10003": "디지털트윈 플랫폼", "D10017": "인쇄전자용 전도성 잉크"}
DESCRIPTION_CHANGED = {"A20003": " | (7차 가상 개정) 제로트러스트 아키텍처와 공급망 보안(SBOM)을 포함함",
                       "B20015": " | (7차 가상 개정) 마이데이터 기반 개인건강기록(PHR) 서비스를 포함함"}
MERGED = {"A10012": ("메타버스·확장현실", ["A10005", "A10011"])}           # new code ← two old items
SPLIT = {"B20002": [("B20021", "디지털치료기기(DTx)"), ("B20022", "AI 의료영상 판독 소프트웨어")]}
MOVED = {"D10019": ("D20010", "D20")}                                   # 초전도체: 첨단소재 → 센서·전자부품
ADDED = [("A20008", "A20", "양자내성암호", "양자컴퓨터 공격에도 안전한 격자·해시 기반 공개키 암호 알고리즘과 이를 적용한 보안 모듈·소프트웨어"),
         ("E40018", "E40", "가상발전소(VPP)", "분산된 태양광·ESS·수요자원을 클라우드 플랫폼으로 묶어 하나의 발전소처럼 입찰·운영하는 서비스")]
REMOVED = ["A10002", "D10008"]                                           # XaaS, 미세캡슐


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name in ("themes.csv", "fields.csv"):
        shutil.copy(SRC / name, OUT / name)
    with (SRC / "items.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_code = {r["item_code"]: r for r in rows}
    gone = set(REMOVED) | set(SPLIT) | set(MOVED) | {c for _, olds in MERGED.values() for c in olds}
    out = []
    for r in rows:
        if r["item_code"] in gone:
            continue
        r = dict(r, predecessor_codes="")
        r["item_name"] = RENAMED.get(r["item_code"], r["item_name"])
        r["description"] += DESCRIPTION_CHANGED.get(r["item_code"], "")
        out.append(r)

    def new(code, field, name, desc, preds, status="provisional"):
        return {"item_code": code, "item_name": name, "field_code": field, "description": desc, "notes": "",
                "code_status": status, "source_seq_no": "", "predecessor_codes": "|".join(preds)}

    for code, (name, olds) in MERGED.items():
        out.append(new(code, code[:3], name, " | ".join(by_code[o]["description"] for o in olds), olds))
    for old, parts in SPLIT.items():
        for code, name in parts:
            out.append(new(code, code[:3], name, by_code[old]["description"], [old]))
    for old, (code, field) in MOVED.items():
        r = by_code[old]
        out.append(new(code, field, r["item_name"], r["description"], [old]))
    for code, field, name, desc in ADDED:
        out.append(new(code, field, name, desc, []))
    out.sort(key=lambda r: r["item_code"])
    with (OUT / "items.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(out[0]))
        w.writeheader()
        w.writerows(out)
    with (SRC / "ksic_links.csv").open(encoding="utf-8") as fh:
        links = [r for r in csv.DictReader(fh) if r["item_code"] not in gone]
    with (OUT / "ksic_links.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(links[0]))
        w.writeheader()
        w.writerows(links)
    (OUT / "revision.json").write_text(json.dumps({
        "revision": "7-hypothetical", "label": "7차 (가상 개정안 — 테스트용, 실제 기준 아님)", "hypothetical": True,
        "source": "scripts/make_hypothetical_revision.py applied to rev6; HYPOTHETICAL fixture for tests and the "
                  "maintenance notebook. Not an official revision.",
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    lines = ["# Expected diff 6 → 7-hypothetical (HYPOTHETICAL fixture)", ""]
    lines += [f"- renamed: {c} → {n}" for c, n in RENAMED.items()]
    lines += [f"- description changed: {c}" for c in DESCRIPTION_CHANGED]
    lines += [f"- merged: {' + '.join(olds)} → {c} {n}" for c, (n, olds) in MERGED.items()]
    lines += [f"- split: {o} → {', '.join(c for c, _ in parts)}" for o, parts in SPLIT.items()]
    lines += [f"- moved: {o} → {c} (field {f})" for o, (c, f) in MOVED.items()]
    lines += [f"- added: {c} {n}" for c, _, n, _ in ADDED]
    lines += [f"- removed: {c}" for c in REMOVED]
    (OUT / "EXPECTED_DIFF.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
