"""The public pages: the index of published bulletins (and its JSON), the notice of a withdrawn one."""
from __future__ import annotations

import datetime as dt
import html
import urllib.parse
from typing import Any

from publisher.periods import Period
from publisher.publishing.portal_server.common import BEIJING, LINKS


# --------------------------------------------------------------------------- the public page
def _when(text: str | None) -> str:
    if not text:
        return ""
    try:
        return dt.datetime.fromisoformat(text).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return text


def _period_zh(period: str) -> str:
    try:
        return Period.parse(period).label_zh
    except Exception:  # noqa: BLE001
        return period


def _href(rel: str) -> str:
    return "b/" + "/".join(urllib.parse.quote(p) for p in rel.split("/"))


#: the index page's style sheet, served as /portal.css (the page's CSP allows no inline style)
PORTAL_CSS = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:64rem;margin:2rem auto;"
              "padding:0 1rem;color:#222;line-height:1.6}"
              'h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #2a6f4e}'
              'table{border-collapse:collapse;width:100%}'
              'th,td{border:1px solid #ccc;padding:.4rem .6rem;vertical-align:top;text-align:left}'
              'th{background:#eef5f0}ol{margin:0;padding-left:1.2rem}.old{color:#666}.note{color:#a33}'
              '.links a{margin-right:.6rem}')


def index_page(bulletins: list[dict[str, Any]]) -> str:
    e = html.escape
    out = ["<!doctype html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>生态环境质量公报</title>",
           '<link rel="stylesheet" href="portal.css">',
           "</head><body>", "<h1>生态环境质量公报</h1>",
           "<p>本页列出已发布的环境质量公报。公报更正后以最新版本为准，此前各版保留备查。</p>"]
    gone = [b for b in bulletins if b.get("withdrawn")]
    bulletins = [b for b in bulletins if not b.get("withdrawn")]
    if not bulletins:
        out.append("<p>尚未发布公报。</p>")
    current_kind = None
    for b in bulletins:
        if b["kind"] != current_kind:
            if current_kind is not None:
                out.append("</tbody></table></section>")
            current_kind = b["kind"]
            out.append(f'<section><h2 id="{e(b["kind"])}">{e(b["kind_name"])}</h2><table><thead><tr>'
                       "<th>期间</th><th>地区</th><th>公报</th><th>版本记录</th></tr></thead><tbody>")
        newest = b["versions"][0]
        links = " ".join(f'<a href="{e(_href(newest["path"] + "/" + name))}">{label}</a>'
                         for name, label in LINKS if name in newest.get("files", []))
        out.append(f"<tr><td>{e(_period_zh(b['period']))}</td><td>{e(b['area'] or '—')}</td>"
                   f"<td>{e(b['title'] or b['kind_name'])}<div class=\"links\">{links}</div></td><td><ol reversed>")
        for v in b["versions"]:
            is_current = v["version"] == b["current_version"]
            label = "现行版本" if is_current else "已更正，仅供查阅"
            steps = "、".join(f"{e(a.get('step_name') or a.get('step') or '')}（{e(a.get('role') or '')}，"
                             f"{e(_when(a.get('at'))[:10])}）" for a in v.get("approvals", []))
            page = f'<a href="{e(_href(v["path"] + "/index.html"))}">第{v["version"]}版</a>' \
                if "index.html" in v.get("files", []) else f"第{v['version']}版"
            item = [f'<li class="{"" if is_current else "old"}">{page}（{label}）{e(_when(v.get("published_at")))} 发布']
            if steps:
                item.append(f"；经{steps}")
            if v.get("note"):
                item.append(f'<div class="note">更正说明：{e(v["note"])}</div>' if v.get("replaces")
                            else f"<div>说明：{e(v['note'])}</div>")
            out.append("".join(item) + "</li>")
        out.append("</ol></td></tr>")
    if current_kind is not None:
        out.append("</tbody></table></section>")
    if gone:
        out.append('<section><h2 id="withdrawn">已撤回的公报</h2><ul>')
        for b in gone:
            w = b["withdrawn"]
            out.append(f"<li>{e(b['title'] or b['kind_name'])}（{e(_period_zh(b['period']))}"
                       f"{'，' + e(b['area']) if b['area'] else ''}）于 {e(_when(w.get('withdrawn_at')))} 撤回；"
                       f"撤回原因：{e(w.get('reason') or '未说明')}</li>")
        out.append("</ul></section>")
    out.append("<footer><p>页面由 publisher 参考门户生成。</p></footer></body></html>")
    return "\n".join(out) + "\n"


def public_listing(bulletins: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON listing: the records without the signers' names."""
    keep = ("version", "revision", "manifest_sha256", "published_at", "path", "files", "note", "corrects",
            "replaces", "title", "signed_at", "disclosure")
    out, gone = [], []
    for b in bulletins:
        if b.get("withdrawn"):
            w = b["withdrawn"]
            gone.append({**{k: b[k] for k in ("kind", "kind_name", "period", "area", "title")},
                         "withdrawn_at": w.get("withdrawn_at"), "reason": w.get("reason")})
            continue
        versions = [{**{k: v.get(k) for k in keep},
                     "approvals": [{k: a.get(k) for k in ("step", "step_name", "role", "at")}
                                   for a in v.get("approvals", [])]} for v in b["versions"]]
        out.append({**{k: b[k] for k in ("kind", "kind_name", "period", "area", "title", "current_version")},
                    "versions": versions})
    return {"protocol": 1, "bulletins": out, "withdrawn": gone}




def withdrawal_page(record: dict[str, Any]) -> str:
    """The notice (撤回说明) that replaces every file of a withdrawn bulletin (HTTP 410)."""
    e = html.escape
    return ("<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>撤回说明</title><link rel=\"stylesheet\" href=\"/portal.css\"></head><body>"
            "<h1>撤回说明</h1>"
            f"<p>《{e(str(record.get('title') or ''))}》已于 {e(_when(record.get('withdrawn_at')))} 撤回，不再公开。</p>"
            f"<p>撤回原因：{e(str(record.get('reason') or '未说明'))}</p>"
            "<p>该信息的文件按规定留档备查。<a href=\"/\">返回公报列表</a></p></body></html>\n")
