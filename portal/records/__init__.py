"""The municipality's resident records (住民記録): what a certificate certifies, not what was typed.

Domain core: no Flask. :mod:`portal.records.model` holds the immutable values, :mod:`~.backend` the
interface each backend implements, :mod:`~.matching` how a login is matched by 基本4情報, and
:mod:`~.registry` which backend serves which municipality (``demo`` tables or an ``http`` core system).
"""
