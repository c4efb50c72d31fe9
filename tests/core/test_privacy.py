from core.privacy import mask_id_number, mask_name


def test_mask_name_keeps_the_surname():
    assert mask_name("张三") == "张*"
    assert mask_name("李小龙") == "李**"
    assert mask_name("欧阳娜娜") == "欧阳**"
    assert mask_name("欧阳") == "欧*"  # a two-character name is surname + given name
    assert mask_name("阿依古丽·买买提") == "阿" + "*" * 7
    assert mask_name("王") == "*"
    assert mask_name("") == ""


def test_mask_id_number_keeps_first_3_and_last_4():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_id_number("110105491231002") == "110********1002"
    assert mask_id_number("1234567") == "*******"
