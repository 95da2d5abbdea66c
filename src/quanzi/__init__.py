"""quanzi (圈子): a self-hosted community-marketing system."""

__version__ = "0.1.0"
