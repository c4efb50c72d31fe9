"""Masking of citizen data for screens and diagnostics (pure functions).

Name: the surname is kept, every other character becomes `*` (张三 -> 张*, 欧阳娜娜 -> 欧阳**).
ID number: the first 3 and last 4 characters are kept (110101199003071234 -> 110***********1234).
"""

from __future__ import annotations

# Two-character surnames (复姓) that are still in use; a name starting with one keeps both.
COMPOUND_SURNAMES = frozenset(
    (  # noqa: SIM905 - one string reads better than 81 quoted pairs
        "欧阳 太史 端木 上官 司马 东方 独孤 南宫 万俟 闻人 夏侯 诸葛 尉迟 公羊 赫连 澹台 皇甫 宗政 濮阳 公冶 "
        "太叔 申屠 公孙 慕容 仲孙 钟离 长孙 宇文 司徒 鲜于 司空 闾丘 子车 亓官 司寇 巫马 公西 颛孙 壤驷 公良 "
        "漆雕 乐正 宰父 谷梁 拓跋 夹谷 轩辕 令狐 段干 百里 呼延 东郭 南门 羊舌 微生 公户 公玉 公仪 梁丘 公仲 "
        "公上 公门 公山 公坚 左丘 公伯 西门 公祖 第五 公乘 贯丘 公皙 南荣 东里 东宫 仲长 子书 子桑 即墨 达奚 "
        "褚师"
    ).split()
)

MASK = "*"


def surname_length(name: str) -> int:
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return 2
    return 1


def mask_name(name: str) -> str:
    """Keep the surname, mask the rest. Names written with a middle dot (e.g. 阿依古丽·买买提)
    keep only their first character. A one-character string is masked whole."""
    name = name.strip()
    if len(name) <= 1:
        return MASK * len(name)
    keep = 1 if "·" in name or "•" in name else surname_length(name)
    return name[:keep] + MASK * (len(name) - keep)


def mask_id_number(id_number: str) -> str:
    """Keep the first 3 and last 4 characters; anything 7 characters or shorter is masked whole."""
    id_number = id_number.strip()
    if len(id_number) <= 7:
        return MASK * len(id_number)
    return id_number[:3] + MASK * (len(id_number) - 7) + id_number[-4:]
