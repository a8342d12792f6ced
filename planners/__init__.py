"""PlayBest: reward-guided diffusion planning of possessions (imports engine/ only).

Modules (import them directly; this package imports nothing so that `import planners`
stays cheap). Each imports only those above it, so there is no cycle:
    windows     make_windows(ds, horizon_s, ...) -> WindowSet (b, h, c = 46 channels, role order)
    normalizer  Normalizer.fit / normalize / unnormalize / to_dict / from_dict
    unet        TemporalUNet(UNetConfig): diffusers UNet1DModel in Diffuser's setup
    schedule    DiffusionConfig (the noise schedule), make_scheduler(cfg, "ddpm" | "ddim")
    diffusion   PlannerModelConfig, train(...), load_diffusion(...)
    value       ValueConfig, ValueNet, train_value(...), load_value(...)
    guides      Guide protocol, ValueGuide, RewardGuide, ConstraintGuide, SumGuide
    sampler     SamplerConfig, presets PAPER / FAST / FAST_REJECT / RAW, WarmStart, sample(...)
                (guides and hard constraints act on the x0 estimate)
    planner     Planner.plan (the one door to planning), load_planner(...), planning.json
    receding    RecedingHorizonOffense: the engine.policy.SimPolicy that plans and re-plans
    support     Support: the training data's 1st-99th percentile ranges (shots, speeds)
    objective   expected points of a plan read as the executor plays it; PlanObjective
    gates       raw-sample gates (speeds, forecasts, open-loop shots) on held-out windows
    methods     PLANNER_METHODS registry and the parser of method ids (playbest_rank,
                playbest_grad, playbest_cfg, playbest_unguided, playbest, playbest_a<x>)
    bench       bench_plan_latency, bench_train_samples_per_s

Training and checkpoints use engine.runtime: the one training loop (run_training: EMA,
resume) and the one checkpoint format (kinds "planner-diffusion" and "planner-value";
folders written before that format, without kind / checkpoint_format, still load, and a
folder this code cannot rebuild fails with one line that says to retrain).
"""
