"""The sales-management paper documents from live data, each as PDF (CJK) and Excel (SPEC §9.1/§9.2):
目标分解表 (`target.daily_decomposition`), 线路拜访表 (`route.visit_8_steps`), 工作日志
(`daily.quantified_activity`), 行动计划表 (`plan.monthly_action`) and 到账播报 (`daily.morning_leaderboard`).
The 部门管理表 has its own module (department_table). Every writer takes what a selector returned."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from yewu.policy.salesmgmt import METRICS, ROUTE_STEPS

from .paper import Section, money, pdf, rmb_upper, xlsx


def _both(fmt: str, title: str, subtitle: str, sections: list[Section], **kw) -> bytes:
    return pdf(title, subtitle, sections, **kw) if fmt == "pdf" else xlsx(title, subtitle, sections)


def _now() -> str:
    return f"{timezone.localtime():%Y-%m-%d %H:%M}"


# --- 目标分解表 -----------------------------------------------------------------------------------------------


def targets(month, rows: list[dict], fmt: str = "pdf") -> bytes:
    """``rows``: [{"salesperson": name, "target": MonthlyTarget, "days": [DailyTarget...]}]."""
    total = sum((r["target"].collections for r in rows), Decimal("0.00"))
    summary = Section("月度目标", ["业务员", *METRICS.values(), "逾期设定"],
                      [[r["salesperson"], *[money(getattr(r["target"], m)) if m == "collections" else
                                            getattr(r["target"], m) for m in METRICS],
                        "是" if r["target"].late else ""] for r in rows],
                      widths=[30, 40, 28, 28, 34, 30, 22],
                      footer=f"团队到账目标合计 {money(total)} 元（人民币大写：{rmb_upper(total)}）")
    sections = [summary]
    for r in rows:
        days = r["days"]
        sections.append(Section(
            f"{r['salesperson']} · 每日分解（{len(days)} 个工作日）", ["日期", *METRICS.values()],
            [[f"{d.day:%m-%d} {'一二三四五六日'[d.day.weekday()]}", *[money(getattr(d, m)) if m == "collections" else
                                                                   getattr(d, m) for m in METRICS]] for d in days],
            widths=[30, 40, 28, 28, 34, 30],
            footer="合计 " + " · ".join(f"{lbl} {money(sum((getattr(d, m) for d in days), Decimal(0))) if m == 'collections' else sum(getattr(d, m) for d in days)}"
                                      for m, lbl in METRICS.items())))
    return _both(fmt, f"目标分解表 · {month:%Y年%m月}",
                 f"target.daily_decomposition：月目标按工作日以最小单位（分 / 个）平均分解，余数给前几天各多 1；"
                 f"经理调整后各日之和仍等于月目标 · 打印 {_now()}", sections, signatures="业务经理：　　　　　　业务员：")


# --- 线路拜访表 -----------------------------------------------------------------------------------------------


def route_visits(visits, fmt: str = "pdf") -> bytes:
    rows, stock = [], []
    for v in visits:
        done = [int(s.get("step")) for s in (v.steps or [])]
        notes = "；".join(f"{s.get('step')}. {s.get('note')}" for s in (v.steps or []) if s.get("note"))
        rows.append([v.day.isoformat(), v.salesperson.name, v.customer.name,
                     "1–8 全部按序完成" if done == list(range(1, 9)) else ",".join(map(str, done)), notes,
                     v.order.number if v.order_id else "", v.next_visit_on.isoformat()])
        for ln in v.lines or []:
            stock.append([v.day.isoformat(), v.customer.name, ln.get("product", ""), ln.get("on_hand", ""),
                          ln.get("weekly", ""), ln.get("pack", ""), ln.get("suggested", ""), ln.get("qty", "")])
    steps = " → ".join(f"{n} {label}" for n, label in ROUTE_STEPS.items())
    return _both(fmt, "线路拜访表", f"route.visit_8_steps：{steps} · 打印 {_now()}", [
        Section("拜访记录", ["日期", "业务员", "客户", "步骤", "记录", "订单", "下次拜访"], rows,
                widths=[22, 20, 50, 30, 80, 30, 24]),
        Section("库存检查与建议订货（route.safety_stock_1_5：max(0, 1.5 × W − 库存)，按包装取整）",
                ["日期", "客户", "产品", "库存", "周销量 W", "包装", "建议订货", "订货"], stock,
                widths=[22, 55, 60, 20, 24, 18, 24, 20])])


# --- 工作日志 -------------------------------------------------------------------------------------------------


def work_log(data: dict, fmt: str = "pdf") -> bytes:
    rows = []
    for r in data["rows"]:
        a, t = r["actuals"], r["targets"]
        fig = " · ".join(f"{lbl} {a[m]}" + (f"/{t[m]}" if t else "") for m, lbl in METRICS.items())
        calls = "、".join(f"{k} {n}" for k, n in r["calls"].items())
        rows.append([f"{r['day']:%m-%d} {'一二三四五六日'[r['day'].weekday()]}", r["content"] or "（未填写）", fig, calls])
    return _both(fmt, f"工作日志 · {data['salesperson']} · {data['month']:%Y年%m月}",
                 f"{data['team']} · daily.quantified_activity：实际数来自记录（到账、拜访、电话、新增意向、面谈），"
                 f"格式 实际/目标 · 打印 {_now()}",
                 [Section("", ["日期", "工作内容", "当日实际 / 目标", "电话结果"], rows, widths=[20, 120, 90, 40])],
                 signatures="业务员：　　　　　　业务经理：")


def work_log_pdf(data: dict) -> bytes:
    return work_log(data, "pdf")


# --- 行动计划表 -----------------------------------------------------------------------------------------------


def action_plans(plans, fmt: str = "pdf") -> bytes:
    sections = []
    for p in plans:
        items = list(p.items.all())
        rows = [[i.text, i.customer.name if i.customer_id else "", money(i.planned),
                 "—" if i.actual is None else money(i.actual),
                 "" if i.actual is None else money(i.actual - i.planned), i.cause, i.countermeasure] for i in items]
        state = "逾期提交" if p.late else "按时提交"
        sections.append(Section(
            f"{p.salesperson.name} · {p.get_kind_display()} · {p.period_start:%Y-%m-%d} 起（{state}，期限 "
            f"{timezone.localtime(p.due_at):%m-%d %H:%M}）",
            ["行动事项", "客户", "计划", "实际", "差异", "差异原因", "对策"], rows,
            widths=[70, 45, 22, 22, 22, 50, 50], footer=f"经理指示：{p.instructions or '—'}"))
    return _both(fmt, "行动计划表", f"plan.monthly_action / visit.weekly_plan：计划与实际有差异须写明原因和对策 · "
                                  f"打印 {_now()}", sections, signatures="业务员：　　　　　　业务经理：")


# --- 到账播报 -------------------------------------------------------------------------------------------------


def leaderboard(b: dict, fmt: str = "pdf") -> bytes:
    ranking = [[r["rank"], r["name"], r["team"], money(r["amount"]), money(r["mtd"]),
                money(r["month_target"]) if r["month_target"] else "—", f"{r['mtd_pct']}%" if r["mtd_pct"] else "—"]
               for r in b["rows"]]
    teams = [[t["team"], money(t["amount"]), money(t["mtd"]), money(t["target"]),
              f"{t['mtd_pct']}%" if t["mtd_pct"] else "—"] for t in b["teams"]]
    kinds = {"collections": "到账", "sales": "销售", "new_customers": "新客户"}
    champs = []
    for period, label in (("week", f"周冠军（{b['week_start']} 起）"), ("month", f"月冠军（{b['month']}）")):
        for k, name in kinds.items():
            c = b["champions"][period][k]
            champs.append([label, name, "、".join(c["names"]) or "—",
                           (f"{c['value']} 家" if k == "new_customers" else money(c["value"])) if c["names"] else "—"])
    return _both(fmt, f"到账播报 · {b['day']}",
                 f"daily.morning_leaderboard：{b['day']} 到账，按金额排名 · 团队合计 {money(b['total'])} 元"
                 f"（{rmb_upper(b['total'])}）· 本月累计 {money(b['total_mtd'])} 元 · 打印 {_now()}", [
                     Section("排名", ["名次", "业务员", "团队", "昨日到账", "本月累计", "本月目标", "达成率"], ranking,
                             widths=[14, 30, 24, 34, 34, 34, 20]),
                     Section("团队", ["团队", "昨日到账", "本月累计", "本月目标", "达成率"], teams),
                     Section("冠军", ["期间", "类别", "业务员", "金额 / 数量"], champs)], wide=False)
