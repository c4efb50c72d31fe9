"""Every user-facing text of the kiosk, in Chinese (first), English and Mongolian (蒙文).

A key missing in a language falls back to Chinese: halls in Inner Mongolia are bilingual, and a
Chinese line is better than a blank. The Mongolian texts (traditional script) are a draft made
by the engineers: a hall must have them checked by its 民族语文 translation office.
"""

from __future__ import annotations

from datetime import datetime

from core.clock import CHINA_TZ

LANGUAGES = ("zh_CN", "en", "mn")
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English", "mn": "ᠮᠣᠩᠭᠣᠯ"}
# Languages whose script Kivy's own text provider cannot shape (see docs/kiosk.md): the view draws
# them with `ui.shaped_text` instead of a plain Label.
SHAPED_LANGUAGES = frozenset({"mn"})

ZH: dict[str, str] = {
    "app_title": "政务服务自助终端",
    "home_progress": "办件进度查询",
    "home_progress_hint": "请将身份证放在下方感应区\n或扫描回执上的二维码",
    "home_guides": "办事指南",
    "home_guides_hint": "按部门、主题查找，或输入拼音首字母",
    "elderly_on": "长者模式",
    "elderly_off": "标准模式",
    "place_card": "请放置身份证",
    "place_card_hint": "将身份证平放在感应区，或扫描回执二维码",
    "querying": "正在查询，请稍候…",
    "progress_title": "我的办件",
    "n_cases": "{name} 共 {n} 件办件",
    "not_found": "未查询到您的办件",
    "not_found_hint": "如有疑问，请到服务台咨询",
    "unavailable": "服务暂不可用",
    "unavailable_hint": "暂时无法连接县政务服务系统，请稍后重试",
    "retry": "重试",
    "retry_card": "重新读卡查询",
    "back": "返回",
    "home": "首页",
    "prev_page": "上一页",
    "next_page": "下一页",
    "page": "第 {page}/{pages} 页",
    "case_title": "办件详情",
    "case_id": "办件编号",
    "item": "事项名称",
    "applicant": "申请人",
    "case_type": "办件类型",
    "state": "办件状态",
    "accepted_at": "受理时间",
    "promised_at": "承诺办结",
    "timeline": "办理环节",
    "handler": "经办人",
    "case_type_1": "即办件",
    "case_type_2": "承诺件",
    "state_1": "待办",
    "state_2": "办理中",
    "state_3": "已完结",
    "step_status_1": "待办",
    "step_status_2": "已办",
    "print": "打印回执",
    "printing": "正在打印，请稍候…",
    "print_done": "打印完成，请取走回执",
    "paper_out": "打印纸已用完",
    "paper_out_hint": "请联系工作人员更换打印纸，您也可以拍照记录办件编号",
    "printer_missing": "打印机未连接",
    "printer_missing_hint": "请联系工作人员检查打印机，您也可以拍照记录办件编号",
    "printer_fault": "打印机故障",
    "rate": "评价本次服务",
    "rate_title": "请您对本次服务作出评价",
    "rate_hint": "请点选一项（评价自愿，不会影响办件）",
    "reasons_title": "请选择不满意的原因（可多选）",
    "public_yes": "公开我的评价",
    "public_no": "不公开",
    "submit": "提交评价",
    "thanks": "谢谢您的评价！",
    "thanks_hint": "您的评价已记录",
    "already_rated": "该办件已经评价过了",
    "already_rated_hint": "感谢您的参与，每件办件只能评价一次，您的首次评价已经保存",
    "not_rateable": "该办件暂不能评价",
    "rated_badge": "已评价",
    "rateable_badge": "可评价",
    "guides_title": "办事指南",
    "by_department": "按部门",
    "by_category": "按主题",
    "search": "搜索",
    "search_hint": "输入事项名称或拼音首字母，如 sfz",
    "no_results": "没有找到相关事项",
    "n_items": "共 {n} 项",
    "conditions": "受理条件",
    "materials": "申请材料",
    "process": "办理流程",
    "time_limit": "办理时限",
    "fees": "收费标准",
    "locations": "办理地点",
    "hours": "办公时间",
    "phone": "咨询电话",
    "complaint_phone": "监督投诉电话",
    "online": "扫码查看网上办事指南",
    "legal_days": "法定时限 {n} 个工作日",
    "promised_days": "承诺时限 {n} 个工作日",
    "promised_now": "当场办结",
    "visits": "到现场次数 {n} 次",
    "department": "实施部门",
    "item_type": "事项类型",
    "required": "必需",
    "optional": "非必需",
    "copies": "{n}份",
    "card_error": "无法识别此证件",
    "card_error_hint": "请将身份证重新平放在感应区",
    "catalogue_missing": "办事指南尚未同步，请稍后再试",
    "language": "语言",
    "key_back": "退格",
    "key_clear": "清空",
    "help_note": "如需帮助，请按服务台呼叫按钮或咨询工作人员",
}

EN: dict[str, str] = {
    "app_title": "Self-Service Kiosk",
    "home_progress": "Check case progress",
    "home_progress_hint": "Place your ID card on the reader below\nor scan the QR code on your receipt",
    "home_guides": "Service guides",
    "home_guides_hint": "By department or theme, or type pinyin initials",
    "elderly_on": "Large text",
    "elderly_off": "Standard",
    "place_card": "Please place your ID card",
    "place_card_hint": "Lay the card flat on the reader, or scan your receipt's QR code",
    "querying": "Looking up your cases…",
    "progress_title": "My cases",
    "n_cases": "{name}: {n} case(s)",
    "not_found": "No cases found",
    "not_found_hint": "Please ask at the information desk",
    "unavailable": "Service unavailable",
    "unavailable_hint": "We cannot reach the county service right now. Please try again.",
    "retry": "Try again",
    "retry_card": "Read my ID card again",
    "back": "Back",
    "home": "Home",
    "prev_page": "Previous",
    "next_page": "Next",
    "page": "Page {page}/{pages}",
    "case_title": "Case details",
    "case_id": "Case number",
    "item": "Service",
    "applicant": "Applicant",
    "case_type": "Type",
    "state": "Status",
    "accepted_at": "Accepted",
    "promised_at": "Promised by",
    "timeline": "Steps",
    "handler": "Handled by",
    "case_type_1": "Done on the spot",
    "case_type_2": "Promised time",
    "state_1": "Pending",
    "state_2": "In progress",
    "state_3": "Completed",
    "step_status_1": "To do",
    "step_status_2": "Done",
    "print": "Print receipt",
    "printing": "Printing…",
    "print_done": "Printed. Please take your receipt",
    "paper_out": "The printer is out of paper",
    "paper_out_hint": "Please ask staff to refill it, or take a photo of your case number",
    "printer_missing": "The printer is not connected",
    "printer_missing_hint": "Please ask staff to check it, or take a photo of your case number",
    "printer_fault": "Printer fault",
    "rate": "Rate this service",
    "rate_title": "How was our service?",
    "rate_hint": "Tap one (rating is voluntary and does not affect your case)",
    "reasons_title": "What went wrong? (choose any)",
    "public_yes": "Make my rating public",
    "public_no": "Keep it private",
    "submit": "Submit",
    "thanks": "Thank you for your rating!",
    "thanks_hint": "Your rating has been recorded",
    "already_rated": "This case has already been rated",
    "already_rated_hint": "Thank you. Each case can be rated once; your first rating is kept",
    "not_rateable": "This case cannot be rated now",
    "rated_badge": "Rated",
    "rateable_badge": "Can be rated",
    "guides_title": "Service guides",
    "by_department": "By department",
    "by_category": "By theme",
    "search": "Search",
    "search_hint": "Service name or pinyin initials, e.g. sfz",
    "no_results": "Nothing found",
    "n_items": "{n} services",
    "conditions": "Who can apply",
    "materials": "What to bring",
    "process": "Steps",
    "time_limit": "Time limit",
    "fees": "Fees",
    "locations": "Where",
    "hours": "Opening hours",
    "phone": "Enquiries",
    "complaint_phone": "Complaints",
    "online": "Scan for the online guide",
    "legal_days": "By law {n} working days",
    "promised_days": "Promised {n} working days",
    "promised_now": "Done on the spot",
    "visits": "Visits needed: {n}",
    "department": "Department",
    "item_type": "Type",
    "required": "required",
    "optional": "optional",
    "copies": "×{n}",
    "card_error": "The card could not be read",
    "card_error_hint": "Please lay your ID card flat on the reader again",
    "catalogue_missing": "Service guides are not available yet",
    "language": "Language",
    "key_back": "Del",
    "key_clear": "Clear",
    "help_note": "Need help? Press the call button or ask a member of staff",
}

# Draft: to be checked by the hall's translation office (see the module docstring).
MN: dict[str, str] = {
    "app_title": "ᠥᠪᠡᠷ ᠢᠶᠡᠨ ᠦᠢᠯᠡᠴᠢᠯᠡᠬᠦ ᠲᠡᠷᠮᠢᠨᠠᠯ",
    "home_guides": "ᠠᠯᠪᠠ ᠬᠡᠷᠡᠭ ᠦᠨ ᠵᠢᠭᠠᠪᠤᠷᠢ",
    "guides_title": "ᠠᠯᠪᠠ ᠬᠡᠷᠡᠭ ᠦᠨ ᠵᠢᠭᠠᠪᠤᠷᠢ",
    "home_progress": "ᠶᠠᠪᠤᠴᠠ ᠯᠠᠪᠯᠠᠬᠤ",
    "back": "ᠪᠤᠴᠠᠬᠤ",
    "home": "ᠡᠬᠢᠨ ᠨᠢᠭᠤᠷ",
    "conditions": "ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠬᠤ ᠨᠥᠬᠥᠴᠡᠯ",
    "materials": "ᠮᠡᠳᠦᠭᠦᠯᠬᠦ ᠮᠠᠲ᠋ᠧᠷᠢᠶᠠᠯ",
    "process": "ᠰᠢᠢᠳᠪᠦᠷᠢᠯᠡᠬᠦ ᠳᠡᠰ",
    "time_limit": "ᠰᠢᠢᠳᠪᠦᠷᠢᠯᠡᠬᠦ ᠬᠤᠭᠤᠴᠠᠭ᠎ᠠ",
    "fees": "ᠲᠥᠯᠥᠪᠥᠷᠢ",
    "locations": "ᠰᠢᠢᠳᠪᠦᠷᠢᠯᠡᠬᠦ ᠭᠠᠵᠠᠷ",
    "hours": "ᠠᠵᠢᠯ ᠤᠨ ᠴᠠᠭ",
    "phone": "ᠯᠠᠪᠯᠠᠬᠤ ᠤᠲᠠᠰᠤ",
    "language": "ᠬᠡᠯᠡ",
}

_TABLES = {"zh_CN": ZH, "en": EN, "mn": MN}


def text(key: str, lang: str = "zh_CN", **fmt: object) -> str:
    """The text for `key` in `lang` (Chinese where that language lacks it), formatted."""
    table = _TABLES.get(lang, ZH)
    s = table.get(key) or ZH[key]
    return s.format(**fmt) if fmt else s


def has_own(key: str, lang: str) -> bool:
    """Whether `lang` has its own text for `key` (the view then shows it above the Chinese)."""
    return key in _TABLES.get(lang, {})


def zh(key: str, **fmt: object) -> str:
    return text(key, "zh_CN", **fmt)


STEP_NAMES_EN = {
    "受理": "Accepted", "审核": "Review", "审批": "Approval", "制证": "Production", "办结": "Completed",
    "登簿": "Registration", "缮证": "Certificate", "送达": "Delivered", "现场核查": "On-site check",
}  # fmt: skip


# 事项类型: the kinds of government service item (the catalogue names them in Chinese).
ITEM_TYPES_EN = {
    "行政许可": "Administrative licence", "行政处罚": "Administrative penalty",
    "行政强制": "Administrative enforcement", "行政征收": "Administrative levy",
    "行政给付": "Administrative benefit", "行政检查": "Administrative inspection",
    "行政确认": "Administrative confirmation", "行政奖励": "Administrative award",
    "行政裁决": "Administrative ruling", "其他行政权力": "Other administrative power",
    "公共服务": "Public service",
}  # fmt: skip


def item_type(name: str, lang: str) -> str:
    """An item's type (事项类型) in `lang`: English for the standard kinds, else as given."""
    if lang == "en":
        return ITEM_TYPES_EN.get(name, name)
    return name


def step_name(name: str, lang: str) -> str:
    """A step (环节) as the business system names it, with English beside it in English mode."""
    if lang == "en" and name in STEP_NAMES_EN:
        return f"{STEP_NAMES_EN[name]} · {name}"
    return name


def fmt_time(d: datetime | None, lang: str = "zh_CN") -> str:
    if d is None:
        return "—"
    local = d.astimezone(CHINA_TZ)
    return local.strftime("%Y-%m-%d %H:%M")


def fmt_date(d: datetime | None, lang: str = "zh_CN") -> str:
    if d is None:
        return "—"
    return d.astimezone(CHINA_TZ).strftime("%Y-%m-%d")
