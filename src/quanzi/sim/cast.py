"""The named demo cast of 「果园鲜生」: brand, staff, 团长, communities, products, campaigns."""

from __future__ import annotations

from dataclasses import dataclass

BRAND = "果园鲜生"
# Seed 004: a colleague's family orchard sold grapes in a workplace WeChat group, which
# then became a standing food group-buy group; the simulated brand is that story grown up.
BRAND_STORY = (
    "老周家在广州从化有一片果园，种阳光玫瑰葡萄和荔枝。他先在原单位的同事微信群里卖自家葡萄，"
    "一季卖出上千箱；葡萄下架后群没散，同事们又在群里团牛肉、橙子、草莓，"
    "慢慢变成了几百人的优质食品团购群，后来有了会员群、共创群和三个片区的团购群。"
)
ORCHARD = "从化果园"


@dataclass(frozen=True, slots=True)
class CastMember:
    """A named person of the demo world: staff, KOL or group-buy leader."""

    key: str
    name: str
    full_name: str
    title: str
    region: str
    roles: tuple[tuple[str, str], ...]  # (community key, role) pairs, in join order


@dataclass(frozen=True, slots=True)
class CommunitySpec:
    """A community of the demo world with its EVENTS.md declaration fields and rhythm."""

    key: str
    name: str
    purpose: str
    model: str
    type: str
    carrier: str
    price: float
    capacity: int
    launch_day: int
    chat_rate: float  # messages per member per day of ordinary chatter
    churn_rate: float  # share of members who may leave on a given day
    ladder: str | None = None
    rank: int | None = None


@dataclass(frozen=True, slots=True)
class Product:
    """A product dropped in the group-buy groups; `months` are the months it is in season."""

    key: str
    name: str
    unit: str
    spec: str
    price: float
    months: tuple[int, ...]
    popularity: float  # share of a group-buy group's engaged members who order in a drop


@dataclass(frozen=True, slots=True)
class Campaign:
    """A fission (裂变) campaign that runs every year between two month-day dates."""

    key: str
    title: str
    code: str
    start: tuple[int, int]
    end: tuple[int, int]


OWNER = CastMember(
    "wx:zhoujianguo_gy",
    "果园鲜生-老周",
    "周建国",
    "创始人、果园主",
    "广州",
    (
        ("deals-daily", "owner"),
        ("ladder-free", "owner"),
        ("ladder-100", "owner"),
        ("ladder-500", "owner"),
        ("ladder-1000", "owner"),
        ("ladder-5000", "owner"),
        ("cocreate", "owner"),
        ("tuan-tianhe", "owner"),
        ("tuan-nanshan", "owner"),
        ("tuan-chancheng", "owner"),
    ),
)
SUPPORT = CastMember(
    "wx:gyxs_xiaoxian",
    "果园鲜生-小鲜",
    "何晓仙",
    "客服与团购运营",
    "广州",
    (
        ("deals-daily", "admin"),
        ("ladder-free", "staff"),
        ("cocreate", "staff"),
        ("tuan-tianhe", "staff"),
        ("tuan-nanshan", "staff"),
        ("tuan-chancheng", "staff"),
    ),
)
MEMBER_OPS = CastMember(
    "wx:gyxs_afang",
    "果园鲜生-阿芳",
    "林芳",
    "会员运营",
    "广州",
    (
        ("ladder-free", "admin"),
        ("ladder-100", "admin"),
        ("ladder-500", "admin"),
        ("ladder-1000", "admin"),
        ("ladder-5000", "admin"),
    ),
)
QQ_OPS = CastMember(
    "qq:28517466",
    "果园鲜生-小林",
    "林嘉杰",
    "QQ 群运营",
    "深圳",
    (("qq-fans", "owner"), ("qq-garden", "owner")),
)
OPERATORS: tuple[CastMember, ...] = (SUPPORT, MEMBER_OPS, QQ_OPS)

KOL_NUTRITION = CastMember(
    "wx:lily_yingyangshi",
    "营养师Lily",
    "李丽娜",
    "注册营养师",
    "深圳",
    (("ladder-100", "kol"), ("ladder-500", "kol"), ("cocreate", "kol")),
)
KOL_AGRONOMIST = CastMember(
    "wx:chenshu_guoshu",
    "果树医生老陈",
    "陈树林",
    "农技员，果园顾问",
    "广州",
    (("ladder-free", "kol"), ("ladder-100", "kol"), ("cocreate", "kol")),
)
KOL_GARDENER = CastMember(
    "qq:39457120",
    "青藤｜阳台种植",
    "许青",
    "阳台果树种植博主",
    "佛山",
    (("qq-garden", "kol"), ("qq-fans", "kol")),
)
KOLS: tuple[CastMember, ...] = (KOL_NUTRITION, KOL_AGRONOMIST, KOL_GARDENER)

LEADER_TIANHE = CastMember(
    "wx:meiling_tianhe",
    "天河团长-美玲",
    "陈美玲",
    "团长（老周的老同事，原单位群的群主）",
    "广州",
    (("tuan-tianhe", "leader"), ("ladder-free", "member")),
)
LEADER_NANSHAN = CastMember(
    "wx:qiangge_nanshan",
    "南山团长-强哥",
    "黄志强",
    "团长（便利店老板）",
    "深圳",
    (("tuan-nanshan", "leader"), ("ladder-free", "member")),
)
LEADER_CHANCHENG = CastMember(
    "wx:yanzi_chancheng",
    "禅城团长-燕子",
    "梁晓燕",
    "团长（全职妈妈）",
    "佛山",
    (("tuan-chancheng", "leader"), ("ladder-free", "member")),
)
LEADERS: tuple[CastMember, ...] = (LEADER_TIANHE, LEADER_NANSHAN, LEADER_CHANCHENG)

CAST: tuple[CastMember, ...] = (OWNER, *OPERATORS, *KOLS, *LEADERS)

# Each group-buy group's leader, pickup point and the city whose people it serves.
GROUP_BUYS: dict[str, tuple[CastMember, str, str]] = {
    "tuan-tianhe": (LEADER_TIANHE, "枫林苑东门快递柜旁", "广州"),
    "tuan-nanshan": (LEADER_NANSHAN, "星海苑B座大堂强哥便利店", "深圳"),
    "tuan-chancheng": (LEADER_CHANCHENG, "锦华苑2栋楼下", "佛山"),
}

# fmt: off
COMMUNITIES: tuple[CommunitySpec, ...] = (
    CommunitySpec(
        "deals-daily", "果园鲜生·每日福利群", "attract", "router", "product", "wechat",
        0, 500, 0, 0.004, 0.01,
    ),
    CommunitySpec(
        "ladder-free", "果园鲜生·免费交流群", "filter", "closed_circle", "brand", "wechat",
        0, 500, 0, 0.3, 0.008, "main", 0,
    ),
    CommunitySpec(
        "ladder-100", "果园鲜生·会员群", "filter", "closed_circle", "brand", "wechat",
        100, 500, 0, 0.6, 0.0012, "main", 1,
    ),
    CommunitySpec(
        "ladder-500", "果园鲜生·银卡会员群", "filter", "closed_circle", "brand", "wechat",
        500, 200, 0, 0.8, 0.0006, "main", 2,
    ),
    CommunitySpec(
        "ladder-1000", "果园鲜生·金卡会员群", "filter", "closed_circle", "brand", "wechat",
        1000, 100, 0, 0.8, 0.0004, "main", 3,
    ),
    CommunitySpec(
        "ladder-5000", "果园鲜生·合伙人私享会", "filter", "closed_circle", "brand", "wechat",
        5000, 50, 30, 1.0, 0.0, "main", 4,
    ),
    CommunitySpec(
        "cocreate", "果粉共创群", "retain", "seeding", "product", "wechat",
        0, 200, 7, 0.8, 0.001,
    ),
    CommunitySpec(
        "tuan-tianhe", "天河·果园鲜生吃货团", "retain", "router", "product", "wechat",
        0, 500, 0, 0.5, 0.003,
    ),
    CommunitySpec(
        "tuan-nanshan", "南山·果园鲜生团购群", "retain", "router", "product", "wechat",
        0, 500, 3, 0.55, 0.003,
    ),
    CommunitySpec(
        "tuan-chancheng", "禅城·果园鲜生团购群", "retain", "router", "product", "wechat",
        0, 500, 10, 0.55, 0.003,
    ),
    CommunitySpec(
        "qq-fans", "果园鲜生粉丝QQ群", "attract", "seeding", "brand", "qq",
        0, 2000, 0, 0.4, 0.006,
    ),
    CommunitySpec(
        "qq-garden", "阳台果树种植交流群", "retain", "closed_circle", "knowledge", "qq",
        0, 1000, 14, 0.45, 0.005,
    ),
)
# fmt: on
LADDER_KEYS: tuple[str, ...] = tuple(c.key for c in COMMUNITIES if c.ladder == "main")
TUAN_KEYS: tuple[str, ...] = tuple(GROUP_BUYS)

PRODUCTS: tuple[Product, ...] = (
    Product("grape-shine-muscat", "阳光玫瑰葡萄", "箱", "约4斤/箱", 79, (7, 8, 9, 10, 11), 0.176),
    Product("grape-kyoho", "巨峰葡萄", "箱", "约5斤/箱", 49, (7, 8, 9), 0.112),
    Product("lychee-feizixiao", "妃子笑荔枝", "箱", "5斤/箱", 58, (5, 6), 0.16),
    Product("lychee-nuomici", "从化糯米糍荔枝", "箱", "5斤/箱", 88, (6, 7), 0.144),
    Product("mango-guifei", "海南贵妃芒", "箱", "5斤/箱", 45, (4, 5, 6), 0.096),
    Product("peach-yangshan", "阳山水蜜桃", "盒", "6个礼盒装", 88, (7, 8), 0.096),
    Product("watermelon-8424", "8424西瓜", "个", "约6斤/个", 29, (5, 6, 7, 8), 0.112),
    Product("orange-zigui", "秭归脐橙", "箱", "10斤/箱", 45, (3, 4, 5, 6), 0.112),
    Product("orange-gannan", "赣南脐橙", "箱", "10斤/箱", 59, (10, 11, 12, 1), 0.144),
    Product("kiwi-zhouzhi", "周至猕猴桃", "箱", "30个/箱", 55, (9, 10, 11), 0.08),
    Product("pomelo-meizhou", "梅州金柚", "个", "约3斤/个", 19, (9, 10, 11), 0.08),
    Product("strawberry-dandong", "丹东草莓", "盒", "3斤/盒", 98, (12, 1, 2, 3), 0.112),
    Product("beef-guizhou", "贵州黄牛肉", "斤", "现切鲜牛腱", 68, tuple(range(1, 13)), 0.08),
    Product("eggs-tuji", "从化土鸡蛋", "盒", "30枚/盒", 39, tuple(range(1, 13)), 0.064),
    Product("rice-wuchang", "五常大米", "袋", "10斤/袋", 69, tuple(range(1, 13)), 0.048),
)
# The orchard's own fruit: announced first and ordered more when in season.
OWN_PRODUCTS: tuple[str, ...] = ("grape-shine-muscat", "lychee-nuomici", "eggs-tuji")

CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("spring-fission", "春季老带新·邀好友各得20元券", "SP", (3, 1), (5, 31)),
    Campaign("summer-fission", "夏日鲜果·邀友拼团", "SU", (6, 1), (8, 31)),
    Campaign("mid-autumn-fission", "中秋礼盒·老带新", "MA", (9, 1), (10, 15)),
    Campaign("double11-fission", "双十一囤货·分享有礼", "DE", (10, 16), (11, 15)),
    Campaign("new-year-fission", "年货节·邀请好友", "NY", (12, 1), (2, 15)),
)
