"""PlayBest: reward-guided diffusion planning of possessions (imports engine/ only).

Modules (import them directly; this package imports nothing so that `import planners`
stays cheap):
    windows     make_windows(ds, horizon_s, ...) -> WindowSet (b, h, c = 23 channels)
    normalizer  Normalizer.fit / normalize / unnormalize / to_dict / from_dict
    unet        TemporalUNet(UNetConfig): diffusers UNet1DModel in Diffuser's setup
    diffusion   PlannerModelConfig, DiffusionConfig, train(...), load_diffusion(...)
    value       ValueConfig, ValueNet, train_value(...), load_value(...)
    guides      Guide protocol, ValueGuide, RewardGuide, ConstraintGuide, SumGuide
    sampler     SamplerConfig, WarmStart, sample(...) guided sampling with inpainting
    planner     Planner, load_planner(...), bench_plan_latency, bench_train_samples_per_s
    training    TrainConfig and the shared training loop (EMA, resume, checkpoints)
    checkpoint  atomic safetensors + JSON checkpoints (device / revision: engine.runtime)
"""
