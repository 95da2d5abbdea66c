"""A local-mode Spark session for the metrics: two cores, small memory, quiet logs."""

from __future__ import annotations

import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from quanzi.errors import QuanziError

# Spark logs at INFO to the console by default; operators only need errors.
LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.console.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


def java_available() -> bool:
    """Tell whether a Java runtime is on PATH or under JAVA_HOME."""
    home = os.environ.get("JAVA_HOME")
    return shutil.which("java") is not None or bool(home and Path(home, "bin", "java").exists())


def require_spark() -> None:
    """Refuse clearly when Java or PySpark is missing."""
    if not java_available():
        raise QuanziError(
            "Spark 需要 Java 运行环境（17 或更新）：请安装，"
            "例如 apt-get install default-jre-headless",
            code="java_missing",
            http_status=503,
        )
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise QuanziError(
            "未安装 PySpark：请运行 pip install 'quanzi[scale]'",
            code="pyspark_missing",
            http_status=503,
        ) from None


@lru_cache(maxsize=1)
def _session() -> Any:
    from pyspark.sql import SparkSession

    config = Path(tempfile.gettempdir()) / "quanzi-spark-log4j2.properties"
    config.write_text(LOG4J2, encoding="utf-8")
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("quanzi-metrics")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{config}")
        # Instants are read and compared in UTC whatever the host's zone.
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM failed to start: say so, without a Py4J traceback
        raise QuanziError(f"无法启动 Spark：{exc}", code="spark_failed", http_status=503) from None
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_session() -> Any:
    """Return the process's local Spark session, started on first use."""
    require_spark()
    return _session()
