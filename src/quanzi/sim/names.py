"""Who the simulated people are: keys, nicknames, regions, tags, avatars and spam identities."""

from __future__ import annotations

from random import Random

_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_MASK64 = (1 << 64) - 1
# Keys come from bijections of the person's index, so they never collide and need no
# lookup table: a multiplier coprime with its modulus, or the splitmix64 finaliser.
_QQ_BASE = 100_000_000
_QQ_SPACE = 3_000_000_000
_QQ_MUL = 2_654_435_761


def _mix64(x: int) -> int:
    """Scramble a 64-bit integer bijectively (the splitmix64 finaliser)."""
    x &= _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def wx_key(idx: int, salt: int) -> str:
    """Return the WeChat person key of person `idx`, e.g. `wx:wxid_4k2j9x8d7c6b2`."""
    n = _mix64(idx ^ salt)
    chars = []
    for _ in range(13):
        n, r = divmod(n, 36)
        chars.append(_B36[r])
    return "wx:wxid_" + "".join(chars)


def qq_key(idx: int, salt: int) -> str:
    """Return the QQ person key of person `idx`: a 9–10 digit QQ number."""
    return f"qq:{_QQ_BASE + (idx * _QQ_MUL + salt) % _QQ_SPACE}"


def avatar_hash(idx: int, salt: int) -> str:
    """Return a person's own avatar as a perceptual hash, `phash:<16 hex>`."""
    return f"phash:{_mix64(idx ^ salt ^ 0x5BD1E995):016x}"


def invite_code(idx: int, salt: int) -> str:
    """Return a person's personal invite code, six upper-case letters and digits."""
    n = (idx * _QQ_MUL + salt) % 36**6
    chars = []
    for _ in range(6):
        n, r = divmod(n, 36)
        chars.append(_B36[r].upper())
    return "".join(chars)


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力斌波宇浩凯健俊帆鑫琳晨欣怡佳"
    "颖雪梅琪晶婷慧莹倩嘉雯璐晓峰志鹏飞婉瑶子轩梓涵一诺思远家豪海燕春兰国庆永红卫东小龙"
)
NICKNAMES = (
    "橙子", "大白", "追风少年", "岁月静好", "蓝天白云", "快乐每一天", "平安是福", "向日葵",
    "一米阳光", "花开富贵", "木子李", "三水", "老猫", "小确幸", "吃不胖的胖子", "柠檬不萌",
    "夏天的风", "知足常乐", "半糖", "芒果布丁", "Tina", "Kevin", "Coco", "Jason", "Vivian",
    "Eric", "Sunny", "Joyce", "阿May", "Yoyo", "Grace", "Leo", "静待花开", "随遇而安",
    "心如止水", "天道酬勤", "山水有相逢", "西瓜太郎", "葡萄成熟时", "荔枝控", "猫咪老师",
    "晴天", "海阔天空", "淡定", "微笑向暖", "小飞侠", "土豆", "豆豆爸", "阳光男孩", "大橘",
    "Anna", "Amy", "婷婷", "晶晶", "佳佳", "阿杰", "阿强", "阿玲", "小美", "健身达人",
)  # fmt: skip
# The last few are real people whose names trip seed 003's heuristics (A…, 叠字): a
# screening engine must tolerate such false positives, so the world has them.
ADJECTIVES = (
    "快乐的", "安静的", "温柔的", "可爱的", "勇敢的", "慢慢的", "爱吃的", "会飞的", "发呆的",
    "早起的", "微笑的", "努力的", "佛系", "元气", "糊涂", "暴躁", "懒懒的", "小小",
)  # fmt: skip
NOUNS = (
    "猫", "鱼", "兔子", "橘子", "西瓜", "葡萄", "星星", "月亮", "风", "云", "山", "海", "树",
    "小熊", "柠檬", "芒果", "蜗牛", "考拉", "企鹅", "仙人掌", "奶茶", "饺子", "土豆", "番茄",
)  # fmt: skip
EMOJI = ("🌸", "🍀", "🌻", "🍊", "🍇", "☀️", "🌙", "🐱", "🌈", "✨")
KID_NAMES = ("朵朵", "乐乐", "果果", "糖糖", "豆豆", "米粒", "小宝", "团团", "可可", "安安")
ENGLISH_PREFIX = ("Tina", "Kevin", "Jack", "Lucy", "Mandy", "Peter", "Cindy", "Wendy")

# (region, weight, tags that fit people there); the Pearl River Delta dominates.
REGIONS: tuple[tuple[str, int], ...] = (
    ("广州", 34),
    ("深圳", 22),
    ("佛山", 14),
    ("东莞", 6),
    ("珠海", 3),
    ("中山", 3),
    ("惠州", 3),
    ("清远", 2),
    ("长沙", 2),
    ("武汉", 2),
    ("上海", 3),
    ("北京", 2),
    ("杭州", 2),
    ("成都", 2),
)
_REGION_NAMES = tuple(r for r, _ in REGIONS)
_REGION_CUM = tuple(sum(w for _, w in REGIONS[: i + 1]) for i in range(len(REGIONS)))

TAGS = (
    "宝妈", "上班族", "学生", "吃货", "健身", "退休", "白领", "水果控", "企业主", "宝爸",
    "老师", "医护", "程序员", "养生", "送礼", "烘焙爱好者", "阳台种植", "公务员",
)  # fmt: skip

STOCK_AVATARS = (
    "phash:c3c3e1f0f8783c1e",
    "phash:ff818181ff000000",
    "phash:0f1f3f7ffefcf8f0",
    "phash:a5a55a5aa5a55a5a",
    "phash:e7e7c3c381818181",
    "phash:3c7effffff7e3c18",
)
SPAM_NAMES = (
    "A小美护肤", "AAA建材批发", "A0诚信贷款", "A~兼职日结", "A.鑫达装修", "A丽丽微商",
    "AAA代购小店", "A1减肥瘦身", "美妆王姐", "微商李姐", "护肤张姐", "保险刘姐",
    "乐乐", "丽丽", "萌萌", "欣欣", "甜甜", "莎莎", "Amy代购", "A宝妈副业",
)  # fmt: skip
SPAM_IDS = (
    "meimei8899", "ll520666", "jz_rijie168", "daigou_777", "kk13800", "yuyu6688", "xx_fuye99",
)  # fmt: skip
SPAM_WORDS = ("代理", "招商", "兼职", "日结", "副业", "加盟", "贷款", "刷单")
SPAM_ANSWERS = (
    "加我vx：{wx}",
    "朋友推荐",
    "招代理，日入300+，加V：{wx}",
    "宝妈副业兼职，详情私聊",
    "高端护肤品招商加盟",
    "",
    "看到的",
    "诚招兼职，日结，V{wx}",
)
SPAM_ADS = (
    "【招代理】在家动动手指，日入三百不是梦💰 有意者加vx：{wx}",
    "宝妈副业，一部手机就能做，时间自由，日结！详情加我{wx}",
    "高端护肤品牌招商，0门槛加盟，私聊我了解👉{wx}",
    "急招兼职刷单员，一单一结，加V：{wx}",
    "低息贷款，当天放款，需要的私聊",
    "[图片] 减肥产品，一个月瘦20斤，有意加我vx {wx}",
)

JOIN_QUESTION = "问题：你是怎么知道我们的？\n答案："
JOIN_ANSWERS: dict[str, tuple[str, ...]] = {
    "official_account": ("公众号", "果园鲜生公众号", "公众号文章", "关注公众号很久了"),
    "new_media": ("小红书", "B站看到的", "抖音", "看了你们的视频", "知乎", "小红书笔记"),
    "friend": ("朋友推荐", "朋友拉的", "同事推荐", "我老婆让我加的", "群友推荐"),
    "fission_poster": ("海报", "朋友圈海报", "扫码进来的", "看到海报"),
    "offline": ("果园采摘", "线下活动", "店里看到的"),
    "other": ("搜到的", "忘了", ""),
}


def region(rng: Random) -> str:
    """Draw a home city, weighted towards the Pearl River Delta."""
    return _REGION_NAMES[_bisect(_REGION_CUM, rng.random() * _REGION_CUM[-1])]


def _bisect(cum: tuple[int, ...], x: float) -> int:
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] > x:
            hi = mid
        else:
            lo = mid + 1
    return lo


def nickname(rng: Random, city: str) -> str:
    """Draw a realistic WeChat/QQ display name."""
    style = rng.random()
    if style < 0.3:
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    if style < 0.4:
        return rng.choice(NICKNAMES)
    if style < 0.55:
        name = rng.choice(ADJECTIVES) + rng.choice(NOUNS)
        return name + rng.choice(EMOJI) if rng.random() < 0.25 else name
    if style < 0.65:
        return rng.choice(KID_NAMES) + rng.choice(("妈", "妈妈", "爸爸", "麻麻"))
    if style < 0.75:
        return rng.choice(("小", "阿", "老")) + rng.choice(SURNAMES)
    if style < 0.83:
        # Group-card style used in neighbourhood group buys: building-room-surname.
        room = f"{rng.randint(1, 24)}栋{rng.randint(1, 32)}0{rng.randint(1, 4)}"
        return f"{room}-{rng.choice(SURNAMES)}"
    if style < 0.9:
        return f"{city}-{rng.choice(SURNAMES)}{rng.choice(('先生', '小姐', '女士'))}"
    if style < 0.95:
        return rng.choice(ENGLISH_PREFIX) + rng.choice(SURNAMES)
    return rng.choice(NICKNAMES) + str(rng.randint(1, 99))


def tags(rng: Random) -> list[str]:
    """Draw one or two profile tags."""
    first = rng.choice(TAGS)
    if rng.random() < 0.4:
        second = rng.choice(TAGS)
        if second != first:
            return [first, second]
    return [first]


def spam_identity(rng: Random) -> tuple[str, str, str]:
    """Draw a marketing account's name, stock avatar and WeChat id to advertise."""
    return rng.choice(SPAM_NAMES), rng.choice(STOCK_AVATARS), rng.choice(SPAM_IDS)


def address(idx: int) -> str:
    """Return a person's delivery note for 接龙 lines, stable per person."""
    style = idx % 7
    building, room = idx % 23 + 1, (idx // 23) % 30 + 1
    floor_room = f"{room}0{idx % 4 + 1}"
    if style in (0, 1, 2):
        return f"{building}栋{floor_room}"
    if style == 3:
        return f"{'ABCD'[idx % 4]}座{floor_room}"
    if style == 4:
        return f"{building}-{idx % 3 + 1}-{floor_room}"
    if style == 5:
        return "自提"
    return ""
