"""How common Vietnamese name parts are, as a prior for the linkage's term frequencies.

The linkage learns how common each family, middle and given name is from the registry it
links. On a small registry or a small file those counts say little (two "Hoa" among ten
women do not make "Hoa" a rare name), so they are blended with this prior.

Family-name shares are the commonly cited national figures (Nguyễn about 38 %, Trần 12 %,
Lê 9.5 % …). Middle and given names have no official statistics: their shares follow the
rank order of common women's and men's names with a Zipf-like decay, which is all the prior
needs to say (a common name carries little information, a rare one much).
"""

FAMILY_SHARES: dict[str, float] = {
    "nguyen": 0.384, "tran": 0.121, "le": 0.095, "pham": 0.070, "hoang": 0.030,
    "huynh": 0.021, "phan": 0.045, "vu": 0.020, "vo": 0.019, "dang": 0.021, "bui": 0.020,
    "do": 0.014, "ho": 0.013, "ngo": 0.013, "duong": 0.010, "ly": 0.005, "dinh": 0.006,
    "doan": 0.005, "lam": 0.004, "mai": 0.004, "trinh": 0.004, "truong": 0.004,
    "luong": 0.003, "cao": 0.003, "ha": 0.003, "ta": 0.002, "luu": 0.002, "thai": 0.002,
    "chau": 0.002, "quach": 0.001, "kieu": 0.001, "vuong": 0.001, "to": 0.001, "dao": 0.003,
    "la": 0.001, "than": 0.001, "trieu": 0.001, "tu": 0.001, "luc": 0.001, "phung": 0.001,
    "hua": 0.001, "diep": 0.001, "tang": 0.001, "lo": 0.001, "nong": 0.001, "vi": 0.001,
}  # fmt: skip

FEMALE_MIDDLE = (
    "Thị Ngọc Thu Thanh Kim Minh Hồng Thúy Bích Phương Mỹ Diệu Khánh Bảo Hoài Quỳnh Như "
    "Thảo Ánh Hải Lan Tuyết Mai Xuân Cẩm"
).split()
MALE_MIDDLE = "Văn Đức Minh Quốc Hữu Công Thanh Ngọc Xuân Quang Anh Hoàng Trọng Duy".split()
FEMALE_GIVEN = (
    "Hoa Lan Mai Hương Thảo Linh Hằng Nga Huyền Trang Thủy Hạnh Nhung Phương Thu Loan Hà "
    "Hiền Dung Yến Hồng Liên Thúy Vân Ngọc Oanh Tâm Xuân Bích Tuyết Nhàn Lệ Quyên Diệp Chi "
    "Anh Ngân Giang Nhi Uyên Vy Trâm Thơm Lụa Tươi Sen Cúc Đào Lý Gấm Nụ Hòa Hoài Lành Thắm "
    "Hậu Thêu Xoan Mơ Hường Thanh Phượng Ánh Diễm My Hân Khánh Quỳnh Trinh Tú Kiều Duyên "
    "Hảo Luyến Thoa Huệ Lài Nguyệt Thùy Ly Châu Ngà Thư Vi Dịu Mến Lựu Nhạn Bình Thịnh Hợp "
    "Sương Mùi Út Nhài Ngát Kim Điệp Chinh Chúc Hoan Huế Lụa Hiên Lương Tình Thương Hạ Mận"
).split()
MALE_GIVEN = (
    "Hùng Dũng Tuấn Minh Nam Hải Long Thắng Quang Sơn Bình Cường Hiếu Trung Đức Phong Tùng "
    "Hoàng Khánh Việt Hưng Thành Tâm Tài Phúc Lâm Toàn Vinh Huy Quân Kiên Lợi An Hòa Tiến"
).split()


def zipf_shares(names: list[str], *, exponent: float = 0.9, first: float | None = None) -> dict:
    """Shares decaying with rank; `first` fixes the share of the commonest name."""
    from lotus.core.text import fold

    weights = [1 / (rank**exponent) for rank in range(1, len(names) + 1)]
    if first is not None:
        rest = sum(weights[1:])
        weights = [first] + [(1 - first) * w / rest for w in weights[1:]]
    total = sum(weights)
    shares: dict[str, float] = {}
    for name, weight in zip(names, weights, strict=True):
        key = fold(name)
        shares[key] = shares.get(key, 0.0) + weight / total
    return shares


def _blend(a: dict[str, float], b: dict[str, float], weight_a: float) -> dict[str, float]:
    keys = set(a) | set(b)
    return {k: weight_a * a.get(k, 0.0) + (1 - weight_a) * b.get(k, 0.0) for k in keys}


# The registry is mostly women; men appear as household members.
MIDDLE_SHARES = _blend(
    zipf_shares(FEMALE_MIDDLE, first=0.55), zipf_shares(MALE_MIDDLE, first=0.45), 0.85
)
GIVEN_SHARES = _blend(zipf_shares(FEMALE_GIVEN), zipf_shares(MALE_GIVEN), 0.85)

# Share assumed for a name part absent from the lists above: a rare name.
UNLISTED_SHARE = 2e-5

PRIOR_SHARES = {"family": FAMILY_SHARES, "middle": MIDDLE_SHARES, "given": GIVEN_SHARES}
