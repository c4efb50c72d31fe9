"""The console's words, Chinese first (zh_CN) with English beside it; `lang` picks one."""

from __future__ import annotations

from typing import Literal

from core.device_config import DEFAULT_REASONS, KEYPAD_REASON_DEFAULT
from core.levels import Level

Lang = Literal["zh_CN", "en"]
LANGS: tuple[Lang, ...] = ("zh_CN", "en")

_WORDS: dict[str, tuple[str, str]] = {
    "app": ("好差评管理台", "Rating console"),
    "overview": ("大厅总览", "Hall overview"),
    "workorders": ("差评工单", "Bad-rating work orders"),
    "stats": ("统计分析", "Statistics"),
    "display": ("公示屏", "Public screen"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误", "Wrong user name or password"),
    "login_expired": ("登录页已过期，请重新输入", "The login form expired: please try again"),
    "login_throttled": ("失败次数过多，请 {s} 秒后再试", "Too many failures: try again in {s} s"),
    "devices": ("设备", "Devices"),
    "feed": ("实时评价", "Live ratings"),
    "no_devices": ("尚无设备", "No devices yet"),
    "no_ratings": ("今日尚无评价", "No ratings yet today"),
    "health_online": ("在线", "Online"),
    "health_offline": ("离线", "Offline"),
    "health_silent": ("无响应", "Silent"),
    "health_degraded": ("异常", "Degraded"),
    "window": ("窗口", "Window"),
    "clerk": ("在岗人员", "Clerk"),
    "none": ("无", "none"),
    "backlog": ("积压", "Backlog"),
    "peripherals": ("外设", "Peripherals"),
    "last_rating": ("最近评价", "Last rating"),
    "identify": ("闪烁识别", "Identify"),
    "restart": ("重启", "Restart"),
    "cmd_accepted": ("设备已接受", "Accepted by the device"),
    "cmd_busy": ("设备忙", "Device busy"),
    "cmd_refused": ("设备拒绝", "Refused by the device"),
    "cmd_timeout": ("设备未应答", "No answer from the device"),
    "county_service": ("县级评价服务", "County service"),
    "live_link": ("实时数据", "Live data"),
    "connected": ("已连接", "connected"),
    "disconnected": ("未连接", "not connected"),
    "hall": ("大厅", "Hall"),
    "all_halls": ("全部大厅", "All halls"),
    "today": ("今日", "Today"),
    "this_month": ("本月", "This month"),
    "ratings": ("评价数", "Ratings"),
    "good_rate": ("好评率", "Good rate"),
    "bad_rate": ("差评率", "Bad rate"),
    "rating_rate": ("评价率", "Rating rate"),
    "visit_rate": ("回访率", "Call-back rate"),
    "on_time_rate": ("按期整改率", "Fixed on time"),
    "state": ("状态", "State"),
    "due": ("整改期限", "Due"),
    "overdue": ("已逾期", "Overdue"),
    "days_left": ("剩余 {n} 个工作日", "{n} working days left"),
    "due_today": ("今日到期", "Due today"),
    "level": ("评价等级", "Level"),
    "reasons": ("差评原因", "Reasons"),
    "case": ("办件编号", "Case"),
    "rated_at": ("评价时间", "Rated at"),
    "history": ("处理记录", "History"),
    "time": ("时间", "Time"),
    "day": ("日期", "Day"),
    "actor": ("处理人", "By"),
    "note": ("说明", "Note"),
    "action": ("操作", "Action"),
    "submit": ("提交", "Submit"),
    "new_due": ("新期限", "New due date"),
    "no_workorders": ("没有工单", "No work orders"),
    "all_states": ("全部状态", "All states"),
    "st_open": ("待回访", "Open"),
    "st_visited": ("已回访", "Called back"),
    "st_rectified": ("已整改", "Rectified"),
    "st_closed": ("已办结", "Closed"),
    "st_appealed": ("申诉中", "Appealed"),
    "st_invalid": ("无效评价", "Invalid"),
    "act_visit": ("回访", "Call back"),
    "act_rectify": ("整改", "Rectify"),
    "act_close": ("办结", "Close"),
    "act_appeal": ("申诉", "Appeal"),
    "act_approve_invalid": ("认定无效", "Approve appeal"),
    "act_reject_appeal": ("驳回申诉", "Reject appeal"),
    "act_extend": ("延期", "Extend"),
    "act_open": ("立单", "Opened"),
    "act_overdue": ("逾期", "Overdue"),
    "note_visit": ("回访人、时间、结果", "Who called, when, outcome"),
    "note_rectify": ("整改内容", "What was done"),
    "note_close": ("办结说明", "Closing note"),
    "note_appeal": ("申诉理由（误评/恶意差评）", "Reason (mistaken or malicious rating)"),
    "note_approve_invalid": ("复核意见", "Review note"),
    "note_reject_appeal": ("复核意见", "Review note"),
    "note_extend": ("书面说明", "Written reason"),
    "period": ("统计期间", "Period"),
    "from": ("从", "From"),
    "to": ("至", "To"),
    "by": ("分组", "Group by"),
    "by_hall": ("按大厅", "By hall"),
    "by_window": ("按窗口", "By window"),
    "by_staff": ("按人员", "By staff"),
    "by_item": ("按事项", "By item"),
    "by_channel": ("按渠道", "By channel"),
    "by_day": ("按日", "By day"),
    "show": ("查询", "Show"),
    "total": ("合计", "Total"),
    "active": ("有效评价", "Active"),
    "defaults": ("系统默认", "Defaults"),
    "invalid": ("无效", "Invalid"),
    "trend": ("好评率趋势", "Good-rate trend"),
    "mom": ("环比", "Month on month"),
    "previous": ("上期", "Previous period"),
    "ranking": ("排名", "Ranking"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "download_xlsx": ("下载 Excel", "Download XLSX"),
    "monthly_report": ("月度通报", "Monthly report"),
    "provisional": ("（工作日待定）", "(working days provisional)"),
    "public_title": ("大厅评价公示", "Public ratings of this hall"),
    "per_window": ("各窗口", "Per window"),
    "updated": ("更新于", "Updated"),
    "error": ("出错了", "Something went wrong"),
    "forbidden": ("无权查看该大厅", "Not your hall"),
    "not_found": ("没有找到", "Not found"),
    "back": ("返回", "Back"),
    "new_bad_rating": ("新差评", "New bad rating"),
    "stats_pending": ("统计模块尚未安装", "Statistics are not available"),
}

# peripherals and their states as DeviceStatus names them
PERIPHERALS: dict[str, tuple[str, str]] = {
    "keypad": ("评价键盘", "keypad"),
    "staff_card": ("工牌读卡器", "staff card reader"),
    "scanner": ("扫码器", "scanner"),
    "idcard": ("身份证读卡器", "ID card reader"),
    "printer": ("打印机", "printer"),
    "touch": ("触摸屏", "touch screen"),
}
PERIPHERAL_STATES: dict[str, tuple[str, str]] = {
    "ok": ("正常", "ok"),
    "missing": ("未连接", "missing"),
    "fault": ("故障", "fault"),
    "paper_out": ("缺纸", "paper out"),
    "offline": ("离线", "offline"),
    "absent": ("未配置", "not fitted"),
}


def peripheral_words(lang: str) -> dict[str, dict[str, str]]:
    return {
        "names": {k: pick(v, lang) for k, v in PERIPHERALS.items()},
        "states": {k: pick(v, lang) for k, v in PERIPHERAL_STATES.items()},
    }


LEVEL_TEXT = {lv: (lv.zh, lv.en) for lv in Level}
_REASONS = {r.code: (r.text, r.text_en or r.text) for r in DEFAULT_REASONS}
_REASONS[KEYPAD_REASON_DEFAULT] = ("键盘评价未注明原因", "Not stated at a keypad")


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def word(key: str, lang: str, **values: object) -> str:
    text = pick(_WORDS[key], lang) if key in _WORDS else key
    return text.format(**values) if values else text


def level_text(level: int, lang: str) -> str:
    try:
        return pick(LEVEL_TEXT[Level(level)], lang)
    except ValueError:
        return str(level)


def reason_text(code: str, lang: str) -> str:
    """A reason code as words; a code the county configured beyond the defaults stays a code."""
    return pick(_REASONS[code], lang) if code in _REASONS else code
