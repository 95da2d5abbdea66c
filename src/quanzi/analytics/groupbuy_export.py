"""Write a leader's pickup list as CSV (opens in Excel/WPS) or XLSX."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from quanzi.analytics.groupbuy import PickupRow

HEADER = (
    "序号",
    "名字",
    "数量",
    "单位",
    "备注",
    "金额（元）",
    "已付款",
    "已取货",
    "来源",
    "超库存",
)
SOURCES = {"jielong": "接龙", "api": "API", "manual": "手工"}
FORMATS = ("csv", "xlsx")


def _cells(row: PickupRow) -> list[object]:
    qty: float | int = int(row.qty) if row.qty.is_integer() else row.qty
    return [row.seq or "", row.name, qty, row.unit or "", row.note, row.amount,
            "是" if row.paid else "否", "是" if row.picked_up else "否",
            SOURCES.get(row.source, row.source), "是" if row.over_stock else ""]  # fmt: skip


def write_pickup_list(rows: list[PickupRow], path: Path, fmt: str, title: str) -> Path:
    """Write `rows` to `path` in `fmt` with a totals line; return the path."""
    total_qty = sum(r.qty for r in rows if not r.over_stock)
    total_amount = round(sum(r.amount for r in rows if not r.over_stock), 2)
    totals = ["合计", f"{len(rows)} 人次", total_qty, "", "（不含超库存）", total_amount]
    if fmt == "csv":
        # UTF-8 with a BOM: Excel and WPS on Windows then read the Chinese correctly.
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([title])
            writer.writerow(HEADER)
            writer.writerows(_cells(r) for r in rows)
            writer.writerow(totals)
        return path
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "取货单"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(list(HEADER))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(_cells(row))
    sheet.append(totals)
    for column, width in zip("ABCDEFGHIJ", (6, 16, 8, 6, 28, 12, 8, 8, 8, 8), strict=True):
        sheet.column_dimensions[column].width = width
    book.save(path)
    return path
