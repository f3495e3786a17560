"""Starting entries of the editable vocabularies: violation categories (DESIGN.md, from the
bureau documents in shared/seeds) and the measures of agreement and administrative handling."""

VIOLATION_CATEGORIES = [
    ("split-charging", "分解收费"),
    ("over-standard-charging", "超标准收费"),
    ("duplicate-charging", "重复收费"),
    ("substitution", "串换药品耗材诊疗项目"),
    ("phantom-inpatients", "挂床住院"),
    ("induced-admission", "诱导住院"),
    ("fictitious-services", "虚构医疗服务"),
    ("forged-records", "伪造医疗文书票据"),
    ("card-misuse", "盗刷医保卡/医保码"),
    ("impersonation", "冒名就医"),
    ("drug-reselling", "倒卖医保药品"),
    ("collusion", "内外勾结"),
    ("other", "其他"),
]

MEASURES = [
    ("interview", "约谈"),
    ("rectification", "限期整改"),
    ("suspend-payment", "暂停拨付"),
    ("refuse-payment", "拒付费用"),
    ("suspend-agreement", "暂停协议"),
    ("terminate-agreement", "解除协议"),
    ("recovery", "追回"),
    ("fine", "罚款"),
    ("refer-police", "移送公安"),
    ("refer-discipline", "移送纪检监察"),
]
