"""How the review desk's pages name what the ledger records: its events, and the parts of a revision
compared with the previous one."""
from __future__ import annotations

from typing import Any

#: the parts of a revision the 公报 page compares with the previous one, and their names
REVISION_PARTS = (("title", "标题"), ("figures", "数据与评价结果"), ("exceedances", "超标情况"),
                  ("explanations", "超标情况说明"), ("inputs", "所用数据文件"), ("standards", "执行的标准"))

#: the ledger's events as the 日志 page names them (an event not listed shows its code)
EVENT_ZH = {
    "desk.login": "审核台登录", "desk.account": "开设/修改账户", "desk.upload": "审核台上传数据",
    "desk.decision": "审核台签署", "desk.publish": "审核台发布", "desk.withdrawal": "审核台签署撤回",
    "desk.withdrawal_carry_out": "审核台再次通知门户撤回",
    "approval": "审核签署", "explanation": "超标情况说明", "publication_signed": "发布（已签名）",
    "publish_refused": "发布被拒绝", "withdrawal_decision": "撤回签署", "withdrawal_signed": "撤回通知（已签名）",
    "withdrawal_done": "门户已撤回", "withdrawal_failed": "门户撤回失败", "site_built": "生成网站",
    "alerts.recorded": "预警记录", "alerts.evaluation_failed": "预警检查失败", "ledger.migrated": "台账升级",
    "schedule.ingest": "定时入库", "schedule.build": "定时编制", "schedule.overdue": "逾期提醒",
    "schedule.pass": "定时任务运行", "schedule.remind": "催报提醒", "schedule.alerts_failed": "定时预警检查失败",
    "schedule.notify_failed": "通知发送失败",
}


def actor(detail: dict[str, Any]) -> str:
    """Who acted, as the event's detail names them (a desk account, a signer, an OS user)."""
    for key in ("account", "by", "signer"):
        if detail.get(key):
            return str(detail[key])
    return f"系统账户 {detail['os_user']}" if detail.get("os_user") else ""


#: refusals of a review or withdrawal decision as the desk explains them, above the library's own message
REFUSAL_HINTS = {
    "unexplained_exceedance": "本版公报有超标项尚未填写超标原因和采取措施，第一步审核不能通过。"
                              "请回到审核页，在“超标情况说明”中逐项填写并保存（公报将重新编制），再签署新版本。",
    "explanation_not_printed": "超标情况说明已保存，但尚未印入本版公报。请联系管理员重新编制公报后再签署。",
    "step_out_of_order": "前一审核步骤尚未完成，请等待前一步签署后再办理。",
    "same_person": "同一公报（或同一撤回）的不同审核步骤须由不同的人签署，请交由另一位有权签署的人员办理。",
    "manifest_mismatch": "公报文件与编制时记录的清单不一致，不能签署。请联系管理员核查或重新编制。",
    "reason_required": "请写明理由：申请撤回须写明撤回原因，不同意撤回须写明意见。",
    "not_published": "该公报尚未发布，无需撤回。",
}
