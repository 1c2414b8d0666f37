"""staffline: workforce scheduling and queue optimization for service branches.

The pipeline runs one way: load -> forecast -> requirements -> roster ->
simulate -> report. Each stage lives in its own subpackage.
"""

__version__ = "0.1.0"
