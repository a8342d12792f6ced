"""Environments over engine's simulator: gymnasium ids registered on import.

``hoopsim/HalfCourt-v0`` (envs.halfcourt.HalfCourtEnv) and ``hoopsim/Decision-v0``
(envs.decision.DecisionEnv); the PettingZoo env is envs.multiagent and the torch vector
env envs.vector.
"""

from gymnasium.envs.registration import register, registry

ENV_IDS = {"hoopsim/HalfCourt-v0": "envs.halfcourt:HalfCourtEnv",
           "hoopsim/Decision-v0": "envs.decision:DecisionEnv"}

for _id, _entry in ENV_IDS.items():
    if _id not in registry:
        register(id=_id, entry_point=_entry, disable_env_checker=False)
