"""A realistic demo service catalogue (事项目录 with 办事指南) for a county in Inner Mongolia.

Used by the demo and the tests when no `catalogue_file` is configured. A real county exports its
catalogue from the provincial 政务服务事项管理系统 into the same JSON (`hall-county
export-catalogue` writes this one as a starting point).

The Mongolian (`mn`, traditional script) texts are a draft for the demo only: a real hall must
take them from its 民族语文 translation office.
"""

from __future__ import annotations

from datetime import datetime

from core.catalogue import Catalogue, Item, ItemText, Material, Named
from core.clock import CHINA_TZ

REGION = "150102"
GUIDE_URL = "https://zwfw.example.gov.cn/guide/{code}"
HALL_ADDRESS = "县政务服务中心一楼"
HALL_ADDRESS_EN = "County Government Service Centre, 1st floor"
HOURS = "周一至周五 9:00-12:00，13:30-17:30（法定节假日除外）"
HOURS_EN = "Mon-Fri 9:00-12:00, 13:30-17:30 (closed on public holidays)"

DEPARTMENTS = [
    Named(
        code="GA",
        names={
            "zh_CN": "县公安局",
            "en": "County Public Security Bureau",
            "mn": "ᠰᠢᠶᠠᠨ ᠤ ᠴᠠᠭᠳᠠᠭ᠎ᠠ ᠶᠢᠨ ᠲᠣᠪᠴᠢᠶ᠎ᠠ",
        },
    ),
    Named(
        code="RS",
        names={
            "zh_CN": "县人力资源和社会保障局",
            "en": "County Human Resources and Social Security Bureau",
            "mn": "ᠰᠢᠶᠠᠨ ᠤ ᠬᠦᠮᠦᠨ ᠬᠦᠴᠦᠨ ᠨᠥᠭᠡᠴᠡ ᠪᠠ ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠪᠠᠲᠤᠯᠠᠮᠵᠢ ᠶᠢᠨ ᠲᠣᠪᠴᠢᠶ᠎ᠠ",
        },
    ),
    Named(
        code="SC",
        names={
            "zh_CN": "县市场监督管理局",
            "en": "County Market Regulation Bureau",
            "mn": "ᠰᠢᠶᠠᠨ ᠤ ᠵᠠᠬ᠎ᠠ ᠵᠡᠭᠡᠯᠢ ᠶᠢᠨ ᠬᠢᠨᠠᠨ ᠬᠠᠮᠢᠶᠠᠷᠬᠤ ᠲᠣᠪᠴᠢᠶ᠎ᠠ",
        },
    ),
    Named(
        code="MZ",
        names={
            "zh_CN": "县民政局",
            "en": "County Civil Affairs Bureau",
            "mn": "ᠰᠢᠶᠠᠨ ᠤ ᠢᠷᠭᠡᠨ ᠬᠡᠷᠡᠭ ᠦᠨ ᠲᠣᠪᠴᠢᠶ᠎ᠠ",
        },
    ),
    Named(
        code="BDC",
        names={
            "zh_CN": "县不动产登记中心",
            "en": "County Real Estate Registration Centre",
            "mn": "ᠰᠢᠶᠠᠨ ᠤ ᠬᠥᠳᠡᠯᠬᠦ ᠦᠭᠡᠢ ᠡᠳ ᠬᠥᠷᠥᠩᠭᠡ ᠶᠢᠨ ᠪᠦᠷᠢᠳᠬᠡᠯ ᠦᠨ ᠲᠥᠪ",
        },
    ),
    Named(
        code="YB",
        names={
            "zh_CN": "县医疗保障局",
            "en": "County Healthcare Security Bureau",
            "mn": "ᠰᠢᠶᠠᠨ ᠤ ᠡᠮᠨᠡᠯᠭᠡ ᠶᠢᠨ ᠪᠠᠲᠤᠯᠠᠮᠵᠢ ᠶᠢᠨ ᠲᠣᠪᠴᠢᠶ᠎ᠠ",
        },
    ),
    Named(
        code="SW",
        names={
            "zh_CN": "县税务局",
            "en": "County Taxation Bureau",
            "mn": "ᠰᠢᠶᠠᠨ ᠤ ᠲᠠᠲᠠᠪᠤᠷᠢ ᠶᠢᠨ ᠲᠣᠪᠴᠢᠶ᠎ᠠ",
        },
    ),
    Named(
        code="CL",
        names={
            "zh_CN": "县残疾人联合会",
            "en": "County Disabled Persons' Federation",
            "mn": "ᠰᠢᠶᠠᠨ ᠤ ᠲᠠᠬᠢᠷ ᠳᠤᠲᠠᠭᠤ ᠬᠦᠮᠦᠰ ᠦᠨ ᠬᠣᠯᠪᠣᠭ᠎ᠠ",
        },
    ),
]

CATEGORIES = [
    Named(
        code="hj",
        names={
            "zh_CN": "户籍证件",
            "en": "Residence & ID",
            "mn": "ᠬᠦᠨ ᠠᠮ ᠤ ᠪᠦᠷᠢᠳᠬᠡᠯ ᠪᠠ ᠦᠨᠡᠮᠯᠡᠯ",
        },
    ),
    Named(
        code="sb",
        names={
            "zh_CN": "社会保障",
            "en": "Social security",
            "mn": "ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠪᠠᠲᠤᠯᠠᠮᠵᠢ",
        },
    ),
    Named(
        code="qy",
        names={
            "zh_CN": "企业开办",
            "en": "Starting a business",
            "mn": "ᠠᠵᠤ ᠠᠬᠤᠢ ᠨᠡᠭᠡᠭᠡᠬᠦ",
        },
    ),
    Named(
        code="bdc",
        names={
            "zh_CN": "不动产",
            "en": "Real estate",
            "mn": "ᠬᠥᠳᠡᠯᠬᠦ ᠦᠭᠡᠢ ᠡᠳ ᠬᠥᠷᠥᠩᠭᠡ",
        },
    ),
    Named(
        code="hy",
        names={
            "zh_CN": "婚姻家庭",
            "en": "Marriage & family",
            "mn": "ᠭᠡᠷᠯᠡᠯᠲᠡ ᠭᠡᠷ ᠪᠦᠯᠢ",
        },
    ),
    Named(
        code="jz",
        names={
            "zh_CN": "社会救助",
            "en": "Social assistance",
            "mn": "ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ",
        },
    ),
    Named(
        code="sf",
        names={
            "zh_CN": "税费缴纳",
            "en": "Taxes & fees",
            "mn": "ᠲᠠᠲᠠᠪᠤᠷᠢ ᠲᠥᠯᠥᠪᠦᠷᠢ ᠲᠥᠯᠥᠬᠦ",
        },
    ),
    Named(
        code="jt",
        names={
            "zh_CN": "交通出行",
            "en": "Driving & transport",
            "mn": "ᠵᠠᠮ ᠬᠠᠷᠢᠯᠴᠠᠭ᠎ᠠ",
        },
    ),
]


def _m(name: str, form: str = "原件", copies: int = 1, required: bool = True, note: str = "") -> Material:
    return Material(name=name, form=form, copies=copies, required=required, note=note)


def _item(
    code: str,
    dept: str,
    cat: str,
    item_type: str,
    case_type: int,
    legal: int | None,
    promised: int | None,
    phone: str,
    zh: ItemText,
    en: ItemText | None = None,
    mn: ItemText | None = None,
    visits: int = 1,
) -> Item:
    texts = {"zh_CN": zh}
    if en is not None:  # material forms default to Chinese words: say them in English too
        forms = {"原件": "original", "复印件": "copy", "原件及复印件": "original and copy"}
        mats = [x.model_copy(update={"form": forms.get(x.form, x.form)}) for x in en.materials]
        texts["en"] = en.model_copy(update={"materials": mats})
    if mn is not None:
        texts["mn"] = mn
    return Item(
        code=code,
        department=dept,
        category=cat,
        item_type=item_type,
        case_type=case_type,  # type: ignore[arg-type]
        legal_days=legal,
        promised_days=promised,
        visits=visits,
        phone=phone,
        complaint_phone="12345",
        online_url=GUIDE_URL.format(code=code),
        texts=texts,
    )


def _loc(window: str) -> list[str]:
    return [f"{HALL_ADDRESS}{window}"]


def _loc_en(window: str) -> list[str]:
    return [f"{HALL_ADDRESS_EN}, {window}"]


ITEMS = [
    _item(
        "000108001000-150102",
        "GA",
        "hj",
        "公共服务",
        2,
        60,
        20,
        "0471-6900110",
        ItemText(
            name="居民身份证首次申领",
            conditions=[
                "年满16周岁的中国公民应当申领居民身份证",
                "未满16周岁的公民，由监护人代为申领",
                "在常住户口所在地或全国任一受理点申请",
            ],
            materials=[
                _m("居民户口簿"),
                _m("近期免冠证件照", "现场采集", 0, note="受理点现场免费采集照片和指纹"),
                _m("监护人居民身份证", required=False, note="未满16周岁由监护人陪同"),
            ],
            process=["取号", "窗口受理：核验户口簿、采集人像和指纹", "审核", "制证", "领取（可选择邮寄）"],
            time_limit="法定60日，承诺20个工作日内制证；偏远地区可延至30日",
            fees="首次申领工本费20元；未满16周岁减免",
            locations=_loc("公安户政窗口（A01-A04）"),
            hours=HOURS,
            notes="办理后可凭受理回执办理临时居民身份证",
        ),
        ItemText(
            name="First application for a resident ID card",
            conditions=[
                "Chinese citizens aged 16 or over must apply",
                "Under 16: a guardian applies",
                "Apply where your hukou is registered or at any service point nationwide",
            ],
            materials=[
                _m("Household register (hukou booklet)", "original"),
                _m("Photo and fingerprints", "taken on site", 0, note="free of charge at the counter"),
                _m("Guardian's ID card", "original", required=False, note="for applicants under 16"),
            ],
            process=[
                "Take a number",
                "Counter: check the hukou, take photo and fingerprints",
                "Review",
                "Card production",
                "Collect the card (or have it posted)",
            ],
            time_limit="By law 60 days; we promise 20 working days",
            fees="CNY 20 for the first card; waived under 16",
            locations=_loc_en("Public security counters A01-A04"),
            hours=HOURS_EN,
            notes="A temporary ID card can be issued on the receipt",
        ),
        ItemText(
            name="ᠢᠷᠭᠡᠨ ᠦ ᠦᠨᠡᠮᠯᠡᠯ ᠢ ᠠᠩᠬ᠎ᠠ ᠪᠠᠭ᠎ᠠ ᠬᠦᠰᠡᠬᠦ",
            conditions=["ᠠᠷᠪᠠᠨ ᠵᠢᠷᠭᠤᠭ᠎ᠠ ᠨᠠᠰᠤ ᠬᠦᠷᠦᠭᠰᠡᠨ ᠢᠷᠭᠡᠨ"],
            materials=[_m("ᠭᠡᠷ ᠦᠨ ᠪᠦᠷᠢᠳᠬᠡᠯ ᠦᠨ ᠳᠡᠪᠲᠡᠷ", "原件")],
            process=["ᠳ᠋ᠤᠭᠠᠷ ᠠᠪᠬᠤ", "ᠴᠣᠩᠬᠣᠨ ᠳ᠋ᠤ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠬᠤ", "ᠬᠢᠨᠠᠨ ᠬᠠᠷᠭᠤᠭᠤᠯᠬᠤ", "ᠦᠨᠡᠮᠯᠡᠯ ᠬᠢᠬᠦ", "ᠠᠪᠬᠤ"],
            time_limit="20 ᠠᠵᠢᠯ ᠤᠨ ᠡᠳᠦᠷ",
            fees="20 ᠶᠤᠸᠠᠨ",
            locations=["A01-A04"],
            hours="9:00-12:00, 13:30-17:30",
        ),
    ),
    _item(
        "000108002000-150102",
        "GA",
        "hj",
        "公共服务",
        2,
        60,
        15,
        "0471-6900110",
        ItemText(
            name="居民身份证换领（有效期满）",
            conditions=["居民身份证有效期满或即将在三个月内到期"],
            materials=[_m("原居民身份证"), _m("居民户口簿", required=False, note="信息有变更时提供")],
            process=["取号", "窗口受理：采集人像、指纹", "审核", "制证", "领取（可选择邮寄）"],
            time_limit="承诺15个工作日",
            fees="工本费20元",
            locations=_loc("公安户政窗口（A01-A04）"),
            hours=HOURS,
        ),
        ItemText(
            name="Renewing an expiring resident ID card",
            conditions=["The card has expired or expires within three months"],
            materials=[
                _m("Current ID card", "original"),
                _m("Household register", "original", required=False),
            ],
            process=[
                "Take a number",
                "Counter: photo and fingerprints",
                "Review",
                "Card production",
                "Collect",
            ],
            time_limit="15 working days",
            fees="CNY 20",
            locations=_loc_en("Public security counters A01-A04"),
            hours=HOURS_EN,
        ),
    ),
    _item(
        "000108010000-150102",
        "GA",
        "hj",
        "行政确认",
        2,
        20,
        5,
        "0471-6900110",
        ItemText(
            name="户口迁移（省内迁入）",
            conditions=["在本县有合法稳定住所", "符合本县落户条件（投靠、就业、购房等）"],
            materials=[
                _m("居民身份证"),
                _m("居民户口簿"),
                _m("不动产权证书或租赁合同", "原件及复印件", 1),
                _m("婚姻状况证明", required=False, note="夫妻投靠时提供"),
            ],
            process=["窗口受理", "派出所审核", "迁入地签发准迁证（省内一站式办理）", "领取新户口页"],
            time_limit="承诺5个工作日",
            fees="不收费",
            locations=_loc("公安户政窗口（A01-A04）"),
            hours=HOURS,
        ),
        ItemText(
            name="Moving your hukou into the county (within the province)",
            conditions=["A lawful, stable residence in the county", "You meet a settling condition"],
            materials=[
                _m("ID card"),
                _m("Household register"),
                _m("Property certificate or lease", "original and copy"),
            ],
            process=[
                "Counter",
                "Police station review",
                "Transfer permit issued",
                "Collect the new hukou page",
            ],
            time_limit="5 working days",
            fees="Free",
            locations=_loc_en("Counters A01-A04"),
            hours=HOURS_EN,
        ),
    ),
    _item(
        "000110001000-150102",
        "RS",
        "sb",
        "公共服务",
        1,
        None,
        0,
        "0471-6900333",
        ItemText(
            name="城乡居民基本养老保险参保登记",
            conditions=[
                "年满16周岁（不含在校学生）",
                "非国家机关和事业单位工作人员",
                "未参加职工基本养老保险",
            ],
            materials=[_m("居民身份证或社会保障卡"), _m("居民户口簿")],
            process=["窗口受理", "信息录入", "当场办结"],
            time_limit="即办件，当场办结",
            fees="不收费（个人缴费按所选档次）",
            locations=_loc("社保窗口（B05-B08）"),
            hours=HOURS,
        ),
        ItemText(
            name="Enrolling in the urban and rural residents' basic pension",
            conditions=["Aged 16 or over, not a student", "Not covered by the employees' pension"],
            materials=[_m("ID card or social security card"), _m("Household register")],
            process=["Counter", "Data entry", "Done on the spot"],
            time_limit="Done on the spot",
            fees="Free (contributions by the level you choose)",
            locations=_loc_en("Social security counters B05-B08"),
            hours=HOURS_EN,
        ),
    ),
    _item(
        "000110020000-150102",
        "RS",
        "sb",
        "公共服务",
        1,
        None,
        0,
        "0471-6900333",
        ItemText(
            name="社会保障卡补换",
            conditions=["社会保障卡遗失、损坏或信息变更"],
            materials=[_m("居民身份证"), _m("原社会保障卡", required=False, note="损坏换卡时提供")],
            process=["窗口挂失/受理", "即时制卡", "当场领卡并激活"],
            time_limit="即办件，约20分钟",
            fees="补卡工本费按自治区标准收取；换卡免费",
            locations=_loc("社保窗口（B05-B08）"),
            hours=HOURS,
        ),
        ItemText(
            name="Replacing a social security card",
            conditions=["Card lost, damaged, or details changed"],
            materials=[_m("ID card"), _m("Old card", required=False)],
            process=["Report the loss / apply", "Card printed on site", "Collect and activate"],
            time_limit="About 20 minutes",
            fees="Replacement fee by regional rate; exchange free",
            locations=_loc_en("Counters B05-B08"),
            hours=HOURS_EN,
        ),
    ),
    _item(
        "000110030000-150102",
        "RS",
        "sb",
        "公共服务",
        1,
        None,
        0,
        "0471-6900333",
        ItemText(
            name="失业登记",
            conditions=["法定劳动年龄内、有劳动能力和就业要求、处于无业状态的城乡劳动者"],
            materials=[_m("居民身份证或社会保障卡"), _m("解除或终止劳动合同证明", required=False)],
            process=["窗口受理", "登记", "发放《就业创业证》"],
            time_limit="即办件",
            fees="不收费",
            locations=_loc("就业窗口（B09）"),
            hours=HOURS,
        ),
        ItemText(
            name="Registering as unemployed",
            conditions=["Of working age, able and willing to work, currently without a job"],
            materials=[_m("ID card or social security card"), _m("Proof the contract ended", required=False)],
            process=["Counter", "Registration", "Employment card issued"],
            time_limit="Done on the spot",
            fees="Free",
            locations=_loc_en("Counter B09"),
            hours=HOURS_EN,
        ),
    ),
    _item(
        "000112001000-150102",
        "SC",
        "qy",
        "行政许可",
        1,
        15,
        0,
        "0471-6900315",
        ItemText(
            name="个体工商户设立登记",
            conditions=["有经营能力的公民", "有固定的经营场所"],
            materials=[
                _m("个体工商户注册登记申请书"),
                _m("经营者居民身份证"),
                _m("经营场所使用证明", "复印件"),
            ],
            process=["网上或窗口提交", "审核", "核准发照（材料齐全当场办结）"],
            time_limit="材料齐全、符合法定形式的当场办结",
            fees="不收费",
            locations=_loc("市场监管窗口（C10-C12）"),
            hours=HOURS,
        ),
        ItemText(
            name="Registering a sole proprietorship (个体工商户)",
            conditions=["A citizen able to run a business", "A fixed place of business"],
            materials=[_m("Application form"), _m("Owner's ID card"), _m("Proof of premises", "copy")],
            process=["Apply online or at the counter", "Review", "Licence issued"],
            time_limit="On the spot when the papers are complete",
            fees="Free",
            locations=_loc_en("Counters C10-C12"),
            hours=HOURS_EN,
        ),
    ),
    _item(
        "000112015000-150102",
        "SC",
        "qy",
        "行政许可",
        2,
        20,
        10,
        "0471-6900315",
        ItemText(
            name="食品经营许可（新办）",
            conditions=[
                "已取得营业执照",
                "具有与经营的食品品种、数量相适应的场所和设备",
                "有专职或兼职的食品安全管理人员",
            ],
            materials=[
                _m("食品经营许可申请书"),
                _m("营业执照", "复印件"),
                _m("经营场所平面图和设备布局图"),
                _m("食品安全管理制度"),
            ],
            process=["受理", "材料审查", "现场核查（必要时）", "许可决定", "发证"],
            time_limit="法定20个工作日，承诺10个工作日",
            fees="不收费",
            locations=_loc("市场监管窗口（C10-C12）"),
            hours=HOURS,
        ),
        ItemText(
            name="Food business licence (new)",
            conditions=[
                "A business licence",
                "Premises and equipment fit for the food sold",
                "A food safety manager",
            ],
            materials=[
                _m("Application"),
                _m("Business licence", "copy"),
                _m("Floor plan and equipment layout"),
                _m("Food safety rules"),
            ],
            process=["Acceptance", "Review", "On-site check if needed", "Decision", "Licence issued"],
            time_limit="By law 20 working days; we promise 10",
            fees="Free",
            locations=_loc_en("Counters C10-C12"),
            hours=HOURS_EN,
        ),
    ),
    _item(
        "000116001000-150102",
        "BDC",
        "bdc",
        "行政确认",
        2,
        30,
        5,
        "0471-6900550",
        ItemText(
            name="不动产转移登记（二手房买卖）",
            conditions=["买卖双方已签订存量房买卖合同", "已完成交易税费缴纳"],
            materials=[
                _m("不动产登记申请书"),
                _m("买卖双方居民身份证"),
                _m("不动产权证书"),
                _m("存量房买卖合同"),
                _m("完税凭证"),
            ],
            process=["一窗受理（登记、交易、税务）", "审核", "登簿", "缴费", "领证（可邮寄或电子证照）"],
            time_limit="法定30个工作日，承诺5个工作日",
            fees="住宅登记费80元/件，证书工本费10元/本",
            locations=_loc("不动产综合窗口（D13-D18）"),
            hours=HOURS,
        ),
        ItemText(
            name="Transfer registration of real estate (resale home)",
            conditions=["A signed resale contract", "Transaction taxes paid"],
            materials=[
                _m("Application"),
                _m("Both parties' ID cards"),
                _m("Title certificate"),
                _m("Contract"),
                _m("Tax receipt"),
            ],
            process=[
                "One counter for registration, trading and tax",
                "Review",
                "Entry in the register",
                "Pay fees",
                "Collect the certificate",
            ],
            time_limit="By law 30 working days; we promise 5",
            fees="CNY 80 per home plus CNY 10 per certificate",
            locations=_loc_en("Counters D13-D18"),
            hours=HOURS_EN,
        ),
    ),
    _item(
        "000113001000-150102",
        "MZ",
        "hy",
        "行政确认",
        1,
        None,
        0,
        "0471-6900220",
        ItemText(
            name="内地居民结婚登记",
            conditions=["男年满22周岁、女年满20周岁", "双方自愿", "双方均无配偶", "无禁止结婚的亲属关系"],
            materials=[_m("双方居民身份证"), _m("双方户口簿"), _m("近期半身免冠合影照片", "2寸", 3)],
            process=["预约或现场取号", "双方共同到场申请", "审查", "颁发结婚证"],
            time_limit="即办件，当场办结",
            fees="不收费",
            locations=["县婚姻登记处（县政务服务中心二楼）"],
            hours=HOURS,
        ),
        ItemText(
            name="Marriage registration (mainland residents)",
            conditions=["Man at least 22, woman at least 20", "Both consent", "Neither is married"],
            materials=[_m("Both ID cards"), _m("Both household registers"), _m("Joint photos", "2-inch", 3)],
            process=["Book or take a number", "Apply together in person", "Review", "Certificates issued"],
            time_limit="Done on the spot",
            fees="Free",
            locations=["Marriage registry, County Government Service Centre, 2nd floor"],
            hours=HOURS_EN,
        ),
        ItemText(
            name="ᠭᠡᠷᠯᠡᠯᠲᠡ ᠶᠢᠨ ᠪᠦᠷᠢᠳᠬᠡᠯ",
            conditions=["ᠬᠣᠶᠠᠷ ᠲᠠᠯ᠎ᠠ ᠰᠠᠶᠢᠨ ᠳᠤᠷ᠎ᠠ ᠪᠡᠷ"],
            materials=[_m("ᠢᠷᠭᠡᠨ ᠦ ᠦᠨᠡᠮᠯᠡᠯ", "原件", 2)],
            process=["ᠳ᠋ᠤᠭᠠᠷ ᠠᠪᠬᠤ", "ᠬᠠᠮᠲᠤ ᠢᠷᠡᠬᠦ", "ᠬᠢᠨᠠᠬᠤ", "ᠭᠡᠷᠴᠢᠯᠡᠭᠡ ᠣᠯᠭᠤᠬᠤ"],
            time_limit="ᠲᠡᠷᠡ ᠳᠠᠷᠤᠢ",
            fees="ᠦᠨ᠎ᠡ ᠦᠭᠡᠢ",
        ),
    ),
    _item(
        "000113020000-150102",
        "MZ",
        "jz",
        "行政给付",
        2,
        30,
        15,
        "0471-6900220",
        ItemText(
            name="最低生活保障审核确认",
            conditions=["持有本县户籍", "共同生活的家庭成员人均收入低于当地低保标准", "家庭财产状况符合规定"],
            materials=[
                _m("低保申请书"),
                _m("家庭成员居民身份证和户口簿"),
                _m("家庭经济状况核对授权书"),
                _m("收入证明", required=False),
            ],
            process=[
                "乡镇（街道）或县政务服务中心受理",
                "家庭经济状况核对",
                "入户调查",
                "民主评议和公示",
                "审核确认",
            ],
            time_limit="法定30个工作日，承诺15个工作日",
            fees="不收费",
            locations=_loc("民政窗口（E19）"),
            hours=HOURS,
        ),
        ItemText(
            name="Minimum living allowance (低保) approval",
            conditions=[
                "County hukou",
                "Household income per person below the local line",
                "Assets within limits",
            ],
            materials=[
                _m("Application"),
                _m("Family members' ID cards and hukou"),
                _m("Consent to income checks"),
            ],
            process=["Apply", "Income check", "Home visit", "Public notice", "Decision"],
            time_limit="By law 30 working days; we promise 15",
            fees="Free",
            locations=_loc_en("Counter E19"),
            hours=HOURS_EN,
        ),
    ),
    _item(
        "000117001000-150102",
        "YB",
        "sb",
        "公共服务",
        1,
        None,
        0,
        "0471-6900660",
        ItemText(
            name="城乡居民基本医疗保险参保登记",
            conditions=["本县户籍或持本县居住证的城乡居民", "未参加职工基本医疗保险"],
            materials=[_m("居民身份证或社会保障卡"), _m("新生儿出生医学证明", required=False)],
            process=["窗口或线上办理", "信息登记", "缴费"],
            time_limit="即办件",
            fees="个人缴费按当年标准",
            locations=_loc("医保窗口（B01-B04）"),
            hours=HOURS,
        ),
        ItemText(
            name="Enrolling in residents' basic medical insurance",
            conditions=["County hukou or residence permit", "Not in the employees' scheme"],
            materials=[
                _m("ID card or social security card"),
                _m("Birth certificate for newborns", required=False),
            ],
            process=["Counter or online", "Registration", "Payment"],
            time_limit="Done on the spot",
            fees="Personal contribution at this year's rate",
            locations=_loc_en("Counters B01-B04"),
            hours=HOURS_EN,
        ),
    ),
    _item(
        "000118001000-150102",
        "SW",
        "sf",
        "公共服务",
        1,
        None,
        0,
        "12366",
        ItemText(
            name="代开增值税发票（自然人）",
            conditions=["自然人发生增值税应税行为，需要开具发票"],
            materials=[_m("居民身份证"), _m("合同或交易凭证", "复印件")],
            process=["申报", "缴纳税款", "开具发票"],
            time_limit="即办件",
            fees="不收取发票工本费",
            locations=_loc("税务窗口（F20-F23）"),
            hours=HOURS,
        ),
        ItemText(
            name="VAT invoice issued on behalf of an individual",
            conditions=["An individual needs an invoice for a taxable sale"],
            materials=[_m("ID card"), _m("Contract or proof of the deal", "copy")],
            process=["Declare", "Pay the tax", "Invoice issued"],
            time_limit="Done on the spot",
            fees="No charge for the invoice",
            locations=_loc_en("Counters F20-F23"),
            hours=HOURS_EN,
        ),
    ),
    _item(
        "000119001000-150102",
        "CL",
        "jz",
        "行政确认",
        2,
        20,
        10,
        "0471-6900770",
        ItemText(
            name="残疾人证新办",
            conditions=["本县户籍", "符合残疾标准，经指定医院评定"],
            materials=[
                _m("居民身份证"),
                _m("居民户口簿"),
                _m("近期免冠2寸照片", "照片", 2),
                _m("残疾评定表"),
            ],
            process=["申请", "指定医院评定", "审核", "制证发证"],
            time_limit="法定20个工作日，承诺10个工作日",
            fees="不收费",
            locations=_loc("残联窗口（E20）"),
            hours=HOURS,
        ),
        ItemText(
            name="Disability certificate (new)",
            conditions=["County hukou", "Assessed by a designated hospital"],
            materials=[
                _m("ID card"),
                _m("Household register"),
                _m("2-inch photos", "photo", 2),
                _m("Assessment form"),
            ],
            process=["Apply", "Assessment", "Review", "Certificate issued"],
            time_limit="By law 20 working days; we promise 10",
            fees="Free",
            locations=_loc_en("Counter E20"),
            hours=HOURS_EN,
        ),
    ),
    _item(
        "000108030000-150102",
        "GA",
        "jt",
        "公共服务",
        1,
        None,
        0,
        "0471-6900122",
        ItemText(
            name="机动车驾驶证有效期满换证",
            conditions=["驾驶证有效期满前90日内", "身体条件符合驾驶许可条件"],
            materials=[_m("居民身份证"), _m("机动车驾驶证"), _m("身体条件证明", note="可由体检机构联网上传")],
            process=["窗口受理", "审核", "当场制发新证"],
            time_limit="即办件",
            fees="工本费10元",
            locations=_loc("车驾管窗口（A05-A06）"),
            hours=HOURS,
        ),
        ItemText(
            name="Renewing a driving licence",
            conditions=["Within 90 days before expiry", "Medically fit to drive"],
            materials=[_m("ID card"), _m("Driving licence"), _m("Medical certificate")],
            process=["Counter", "Review", "New licence on the spot"],
            time_limit="Done on the spot",
            fees="CNY 10",
            locations=_loc_en("Counters A05-A06"),
            hours=HOURS_EN,
        ),
    ),
]


def demo_catalogue(version: str = "2026.11-demo") -> Catalogue:
    return Catalogue(
        version=version,
        published_at=datetime(2026, 11, 1, 9, 0, tzinfo=CHINA_TZ),
        region_code=REGION,
        languages=["zh_CN", "en", "mn"],
        departments=DEPARTMENTS,
        categories=CATEGORIES,
        items=ITEMS,
    )
