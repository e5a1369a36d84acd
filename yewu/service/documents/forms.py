"""Paper forms from live data (PDF, reportlab STSong-Light; layout helpers of yewu.expenses.documents):
客户投诉处理表 (record, transfer, solutions, customer's opinion, return visits in one sheet) and 服务凭证 (the service
voucher with the customer's signature; money also in 人民币大写)."""

from __future__ import annotations

import base64
import io

from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import Image

from yewu.expenses.documents import _build, _grid, _p, _styles, rmb_upper

from ..models import Complaint, ServiceJob


def _t(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def complaint_pdf(c: Complaint) -> bytes:
    st = _styles()
    w = [30 * mm, 59 * mm, 30 * mm, 59 * mm]
    rec = [
        [_p("客户", st["h"]), _p(c.customer.name if c.customer_id else (c.ticket.caller_name if c.ticket_id else ""), st["c"]),
         _p("渠道", st["h"]), _p(c.get_channel_display(), st["c"])],
        [_p("收到时间", st["h"]), _p(_t(c.received_at), st["c"]), _p("类别", st["h"]), _p(c.get_category_display(), st["c"])],
        [_p("投诉内容", st["h"]), _p(c.content, st["c"]), "", ""],
        [_p("已商讨办法", st["h"]), _p(c.solutions_discussed or "—", st["c"]), "", ""],
        [_p("承诺解决时间", st["h"]), _p(_t(c.promised_resolution_at) or "—", st["c"]),
         _p("实质答复期限", st["h"]), _p(_t(c.reply_due_at), st["c"])],
        [_p("重大投诉", st["h"]), _p("是" if c.major else "否", st["c"]), _p("索赔金额", st["h"]),
         _p(f"{c.claim_amount:,.2f}（{rmb_upper(c.claim_amount)}）" if c.claim_amount is not None else "—", st["c"])],
    ]
    spans = [((1, 2), (3, 2)), ((1, 3), (3, 3))]
    body = [_p("一、客户投诉记录", st["h"]), _grid(rec, w, spans)]
    tr = [[_p("判定", st["h"]), _p(c.finding or "—", st["c"]), _p("判定人", st["h"]), _p(c.judged_by.name if c.judged_by_id else "", st["c"])],
          [_p("责任部门", st["h"]), _p(c.department.name if c.department_id else "—", st["c"]), _p("负责人", st["h"]),
           _p(c.leader.name if c.leader_id else "", st["c"])],
          [_p("转交时间", st["h"]), _p(_t(c.dispatched_at), st["c"]), _p("方案期限", st["h"]), _p("3 个工作日", st["c"])]]
    body += [_p("二、投诉传递单", st["h"]), _grid(tr, w)]
    sols = [[_p(f"方案（第{s.round}轮）", st["h"]), _p(s.text + ("　★已选定" if s.pk == c.selected_solution_id else ""), st["c"]),
             _p("责任人", st["h"]), _p(s.responsible, st["c"])] for s in c.solutions.all()] or [[_p("方案", st["h"]), _p("—", st["c"]), "", ""]]
    sols += [[_p("客户意见", st["h"]), _p(f"{'同意' if x.agrees else '不同意'}：{x.opinion}（{_t(x.at)}）", st["c"]), "", ""]
             for x in c.consultations.all()]
    body += [_p("三、解决方案与客户意见表", st["h"]), _grid(sols, w, [((1, i), (3, i)) for i, r in enumerate(sols) if r[2] == ""])]
    vis = [[_p(_t(v.visited_at), st["c"]), _p(v.get_channel_display(), st["c"]), _p(v.get_satisfaction_display(), st["c"]),
            _p(v.opinion, st["c"])] for v in c.visits.all()] or [[_p("—", st["c"]), "", "", ""]]
    body += [_p("四、回访记录", st["h"]), _grid([[_p(h, st["h"]) for h in ("时间", "方式", "满意度", "客户意见")], *vis],
                                          [36 * mm, 24 * mm, 28 * mm, 90 * mm], label_cols=())]
    body += [_p(f"状态：{c.get_step_display()}　结案：{_t(c.closed_at) or '未结案'}", st["c"])]
    return _build("客户投诉处理表", c.number, timezone.localdate(c.received_at), body, "投诉编号")


def voucher_pdf(j: ServiceJob) -> bytes:
    st = _styles()
    w = [30 * mm, 59 * mm, 30 * mm, 59 * mm]
    rows = [
        [_p("客户", st["h"]), _p(j.customer.name if j.customer_id else "", st["c"]), _p("类别", st["h"]),
         _p(j.get_category_display(), st["c"])],
        [_p("地址", st["h"]), _p(f"{j.district} {j.address}", st["c"]), _p("技术员", st["h"]),
         _p(j.technician.name if j.technician_id else "", st["c"])],
        [_p("报修时间", st["h"]), _p(_t(j.registered_at), st["c"]), _p("到达时间", st["h"]), _p(_t(j.arrived_at), st["c"])],
        [_p("故障", st["h"]), _p(j.problem, st["c"]), "", ""],
        [_p("处理情况", st["h"]), _p(j.work_done or "", st["c"]), "", ""],
        [_p("收费金额", st["h"]), _p(f"{j.amount:,.2f}（{rmb_upper(j.amount)}）", st["c"]), "", ""],
        [_p("客户签名", st["h"]), _p(j.signer_name, st["c"]), _p("完工时间", st["h"]), _p(_t(j.closed_at), st["c"])],
    ]
    body = [_grid(rows, w, [((1, 3), (3, 3)), ((1, 4), (3, 4)), ((1, 5), (3, 5))])]
    raw = None
    if j.signature:
        raw = base64.b64decode(j.signature.split(",", 1)[1])
    elif j.signature_photo:
        raw = bytes(j.signature_photo)
    if raw:
        img = Image(io.BytesIO(raw))
        scale = min(80 * mm / img.imageWidth, 35 * mm / img.imageHeight)
        img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
        body += [_p("客户签名：", st["c"]), img]
    return _build("服务凭证", j.number, timezone.localdate(j.registered_at), body, "服务单号")
