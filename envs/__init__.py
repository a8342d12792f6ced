"""Environments over engine's simulator: gymnasium ids registered on import.

``hoopsim/HalfCourt-v0`` (envs.halfcourt.HalfCourtEnv; its ``vector_entry_point`` is the
torch vector env envs.vector.HalfCourtVectorEnv, reached by
``gym.make_vec(..., vectorization_mode="vector_entry_point")``),
``hoopsim/Decision-v0`` (envs.decision.DecisionEnv; its vector entry point is the
batched torch decision env envs.decision_vector.DecisionVectorEnv); the PettingZoo env is
envs.multiagent (``envs.actions.parallel_env``). Every entry point takes
``actions="dict" | "box" | "multidiscrete"`` (:mod:`envs.actions`):
``gym.make("hoopsim/HalfCourt-v0", actions="box")``.
"""

from gymnasium.envs.registration import register, registry

ENV_IDS = {"hoopsim/HalfCourt-v0": "envs.actions:make_halfcourt",
           "hoopsim/Decision-v0": "envs.actions:make_decision"}
VECTOR_ENTRY_POINTS = {"hoopsim/HalfCourt-v0": "envs.actions:make_halfcourt_vector",
                       "hoopsim/Decision-v0": "envs.actions:make_decision_vector"}

for _id, _entry in ENV_IDS.items():
    if _id not in registry:
        register(id=_id, entry_point=_entry, vector_entry_point=VECTOR_ENTRY_POINTS.get(_id),
                 disable_env_checker=False)
