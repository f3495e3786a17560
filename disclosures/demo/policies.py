"""Demo policy documents: numbers and dates from shared/seeds and shared/DOMAIN.md, summaries in our words."""

import datetime

D = datetime.date


def _p(text):
    return ("paragraph", f"<p>{text}</p>")


POLICIES = [
    {
        "slug": "supervision-regulation-2021",
        "title": "医疗保障基金使用监督管理条例",
        "document_number": "国务院令第735号",
        "issuing_body": "国务院",
        "region": "全国",
        "date_issued": D(2021, 1, 15),
        "topic": "supervision",
        "validity": "valid",
        "summary": "医保基金使用监管的第一部行政法规，自2021年5月1日起施行。",
        "body": [
            ("heading", "要点"),
            _p(
                "条例明确了医保行政部门、经办机构、定点医药机构和参保人员各自的责任，"
                "规定了骗取医保基金的法律责任，并要求建立举报奖励制度。"
            ),
        ],
    },
    {
        "slug": "reporting-measures-2022",
        "title": "医疗保障基金使用监督管理举报处理暂行办法",
        "document_number": "国家医疗保障局令第5号",
        "issuing_body": "国家医疗保障局",
        "region": "全国",
        "date_issued": D(2022, 1, 29),
        "topic": "supervision",
        "validity": "valid",
        "summary": "规定了举报的渠道、受理、办理、告知和保密要求，自2022年3月1日起施行。",
        "body": [
            ("heading", "谁可以举报"),
            _p("任何个人和单位都可以通过网络、电话、传真、信件或当面等方式举报。电话和当面举报由工作人员如实记录。"),
            ("heading", "实名与匿名"),
            _p(
                "鼓励实名举报，匿名举报同样受理。举报人的身份和举报内容严格保密。"
                "对实名举报，在作出是否立案决定后5个工作日内告知举报人。"
            ),
        ],
    },
    {
        "slug": "reward-measures-2022",
        "title": "违法违规使用医疗保障基金举报奖励办法",
        "document_number": "医保办发〔2022〕22号",
        "issuing_body": "国家医疗保障局办公室、财政部办公厅",
        "region": "全国",
        "date_issued": D(2022, 11, 17),
        "topic": "supervision",
        "validity": "valid",
        "summary": "按查实案值的一定比例给予一次性奖励，每起案件最低200元、最高20万元。",
        "body": [
            ("heading", "奖励标准"),
            _p(
                "奖励以案值为基数按比例计算，每起案件不低于200元、不超过20万元；"
                "无法计算案值的，可以给予定额奖励。同一事实多人举报的，奖励最先举报的人。"
            ),
            ("heading", "匿名举报人领取奖励"),
            _p("匿名举报人能够证明自己是举报人的，也可以领取奖励；举报人也可以放弃奖励。"),
        ],
    },
    {
        "slug": "reward-measures-2018",
        "title": "欺诈骗取医疗保障基金行为举报奖励暂行办法",
        "document_number": "医保办发〔2018〕22号",
        "issuing_body": "国家医疗保障局办公室、财政部办公厅",
        "region": "全国",
        "date_issued": D(2018, 11, 29),
        "topic": "supervision",
        "validity": "repealed",
        "summary": "2018年的举报奖励办法，单案奖励最高10万元，已被2022年的新办法取代。",
        "body": [_p("本办法已废止，现行规定见2022年印发的《违法违规使用医疗保障基金举报奖励办法》。")],
    },
    {
        "slug": "lincang-responsibility-list-2024",
        "title": "临沧市人民政府办公室关于印发临沧市加强医疗保障基金使用常态化监管责任清单的通知",
        "document_number": "临政办发〔2024〕2号",
        "index_number": "LC-2024-00002",
        "issuing_body": "临沧市人民政府办公室",
        "region": "临沧市",
        "date_issued": D(2024, 2, 6),
        "date_written": D(2024, 1, 17),
        "topic": "supervision",
        "validity": "valid",
        "summary": "把医保基金常态化监管的任务逐项分到县区政府和市直部门，并要求每年1月底前报告落实情况。",
        "body": [
            ("heading", "为什么要列责任清单"),
            _p(
                "依照省里加强医保基金常态化监管的措施，市里把目标、任务和措施逐项落实到具体单位，"
                "让每一项监管工作都有人负责。"
            ),
            ("heading", "各方的责任"),
            _p(
                "县区政府承担属地监管责任，医疗保障部门承担监管主体责任，其他部门按职责分工配合。"
                "对推诿扯皮、失职渎职的，依法依纪追究责任。"
            ),
            ("heading", "报告要求"),
            _p("各县区和市直有关部门每年1月30日前向市医疗保障局书面报告上年度落实情况，由市医疗保障局汇总后报市政府。"),
        ],
    },
    {
        "slug": "jilin-special-rectification-2020",
        "title": "2020年全省医保基金监督检查专项治理工作方案",
        "document_number": "吉医保发〔2020〕22号",
        "issuing_body": "吉林省医疗保障局",
        "region": "吉林省",
        "date_issued": D(2020, 5, 8),
        "topic": "supervision",
        "validity": "expired",
        "summary": "2020年对经办机构和定点医疗机构开展专项治理，重点查处内外勾结骗保，实现定点医药机构检查全覆盖。",
        "body": [
            ("heading", "治理重点"),
            _p(
                "经办机构重点查数据修改、串换项目、内控缺失和违规支付；定点医疗机构重点查挂床住院、诱导住院、"
                "虚构服务、伪造文书票据、超标准收费、重复收费、分解收费和串换药品耗材诊疗项目；"
                "定点零售药店重点查进销存台账、串换药品和盗刷医保卡。"
            ),
            ("heading", "工作方式"),
            _p("检查全覆盖与抓重点相结合，自查自纠与抽查复查相结合，外部监管与内部控制相结合。"),
        ],
    },
    {
        "slug": "district-supervision-plan-2020",
        "title": "区医疗保障局2020年基金监管工作方案",
        "issuing_body": "区医疗保障局",
        "region": "临翔区",
        "date_issued": D(2020, 3, 20),
        "topic": "supervision",
        "validity": "expired",
        "summary": "以打击欺诈骗保为重点，强化协议管理和基金监管，建立违规约谈制度和长效机制。",
        "body": [
            ("heading", "协议管理"),
            _p(
                "按省里的协议范本重新评估定点医药机构，完善续签和退出机制；对违约机构采取约谈、限期整改、"
                "暂停拨付、拒付费用、暂停或解除协议等措施，并追回违规支付的费用。"
            ),
            ("heading", "基金监管"),
            _p("运用医保大数据开展日常监管和网上动态监管，逐一排查辖区内定点医药机构，问题严重的取消定点资格。"),
        ],
    },
    {
        "slug": "guangdong-reward-draft-2022",
        "title": "广东省违法违规使用医疗保障基金举报奖励实施细则（征求意见稿）",
        "issuing_body": "广东省医疗保障局",
        "region": "广东省",
        "date_issued": D(2022, 12, 1),
        "topic": "supervision",
        "validity": "expired",
        "summary": "按证据等级分三档计发奖励：一档3%、二档2%、三档1%，内部人员举报再加20%。征求意见已结束。",
        "body": [
            ("heading", "分档比例"),
            _p("一档按案值的3%计发，最低400元；二档2%，最低300元；三档1%，最低200元。单案最高20万元。"),
        ],
    },
    {
        "slug": "hefei-reward-rules-2023",
        "title": "合肥市违法违规使用医疗保障基金举报奖励实施细则",
        "issuing_body": "合肥市医疗保障局",
        "region": "合肥市",
        "date_issued": D(2023, 6, 1),
        "topic": "supervision",
        "validity": "valid",
        "summary": "按造成损失的主体分别计发奖励：机构按2%或4%，个人按10%，每案最低500元。",
        "body": [
            ("heading", "对机构的举报"),
            _p("案值50万元以下（含）的按2%计发，最低500元；超过50万元的按全部案值的4%计发。"),
            ("heading", "对个人的举报"),
            _p("案值1万元以下（含）的按10%计发，最低500元；超过1万元的按10%计发后再加500元。"),
        ],
    },
    {
        "slug": "tibet-report-handling-2019",
        "title": "西藏自治区欺诈骗取医疗保障基金行为举报受理办法",
        "issuing_body": "西藏自治区医疗保障局",
        "region": "西藏自治区",
        "date_issued": D(2019, 9, 10),
        "topic": "agency",
        "validity": "valid",
        "summary": "举报自收到之日起15个工作日内决定是否受理；当面举报由两名工作人员接待并做笔录。",
        "body": [_p("办法规定了举报的登记、受理期限、接待要求和保密纪律。")],
    },
]
