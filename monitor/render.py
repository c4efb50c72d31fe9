"""The monitor's text screen: devices, today's tally, 差评 to follow up. Pure: state in, text out."""

from __future__ import annotations

from datetime import datetime

from core.clock import CHINA_TZ, epoch_ms
from core.device_config import reason_text
from core.hall_view import HallState
from core.levels import DISPLAY_ORDER

_HEALTH = {
    "online": "在线 online",
    "offline": "离线 OFFLINE",
    "silent": "无响应 SILENT",
    "degraded": "异常 DEGRADED",
}


def render(state: HallState) -> str:
    now_ms = epoch_ms(state.clock)
    now = datetime.fromtimestamp(now_ms / 1000, CHINA_TZ)
    county = {True: "在线 online", False: "离线 OFFLINE", None: "未知 unknown"}[state.county_online]
    lines = [
        f"大厅监控 Hall monitor   {now:%Y-%m-%d %H:%M:%S}   县级评价服务 county service: {county}",
        *([state.upstream.summary(now_ms)] if state.upstream is not None else []),
        "",
        f"{'设备 device':<28}{'状态 state':<18}{'窗口 window':<14}{'积压 backlog':>14}  外设 peripherals",
    ]
    for (hall, device), dev in sorted(state.devices.items()):
        st = dev.status
        backlog = st.backlog.unacked if st and st.backlog else 0
        periph = " ".join(f"{k}={v}" for k, v in sorted(st.peripherals.items())) if st else ""
        if st and st.detail:
            periph = f"{periph}  ({st.detail})"
        window = (st.window_id if st else None) or "-"
        lines.append(
            f"{hall + '/' + device:<28}{_HEALTH[dev.health(now_ms)]:<18}{window:<14}{backlog:>14}  {periph}"
        )
    if not state.devices:
        lines.append("(尚无设备 no devices yet)")
    total = sum(state.tally.values())
    rate = state.satisfaction
    lines += [
        "",
        f"今日评价 today's ratings: {total}"
        + (f"   好评率 satisfied: {rate:.1%}" if rate is not None else ""),
        "   ".join(f"{lv.zh} {state.tally[lv]}" for lv in DISPLAY_ORDER),
        "",
        f"差评待回访 bad ratings to follow up: {len(state.alerts)}",
    ]
    for a in state.alerts[-10:]:
        # the reason's words, not its code: whoever calls the citizen back reads this
        reasons = "；".join(reason_text(code) for code in a.reasons) or "-"
        lines.append(
            f"  {a.rated_at.astimezone(CHINA_TZ):%H:%M:%S} {a.device} 窗口 {a.window_id or '-'} "
            f"{a.level.zh} 办件 {a.case_id or '(无 none)'} 工作人员 {'、'.join(a.staff) or '-'} "
            f"原因 {reasons}"
        )
    if state.rejected_messages:
        lines.append(f"\n无效消息 malformed messages ignored: {state.rejected_messages}")
    return "\n".join(lines)
