"""Japanese conventions shared by the core and the web layer: 和暦, Japan time, 地方公共団体コード.

No Flask here: the domain core uses these as freely as the pages do.
"""
