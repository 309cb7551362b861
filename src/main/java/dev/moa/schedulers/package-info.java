/**
 * Diffusion schedulers with parity to diffusers 0.40: DDIM (and its inverse), PNDM/PLMS, Euler, Euler
 * ancestral, DPM-Solver(++) multistep, LMS, UniPC and Heun for sampling ({@link dev.moa.schedulers.Scheduler},
 * made by {@link dev.moa.schedulers.Schedulers}), and the DDPM forward process for training
 * ({@link dev.moa.schedulers.DdpmNoise}).
 *
 * <p>Configs follow diffusers' {@code from_config} ({@link dev.moa.schedulers.SchedulerConfig}). Schedules are
 * computed in Java doubles and floats the way diffusers computes them (float32 torch tensors for
 * alphas_cumprod and sigmas, numpy float64 where diffusers uses numpy), and applied to NDArrays as scalar
 * coefficients, so everything stays on the sample's device.
 */
package dev.moa.schedulers;
