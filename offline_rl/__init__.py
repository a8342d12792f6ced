"""Offline RL and behaviour cloning over the possession dataset (imports ``engine/`` only).

- :mod:`offline_rl.bc`: the behaviour-cloned league-average offense.
"""
