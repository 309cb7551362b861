package dev.moa.models;

import ai.djl.ndarray.NDManager;
import dev.moa.io.SafetensorsFile;
import dev.moa.testing.Close;
import dev.moa.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** VAE encode (mean, std) and decode against diffusers; sd15-narrow uses the legacy attention key names. */
class VaeParityTest {
    static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    @ParameterizedTest
    @CsvSource({"models/tiny-sd/vae, ref/vae_tiny.safetensors", "models/sd15-narrow/vae, ref/vae_sd15narrow.safetensors"})
    void matchesDiffusers(String model, String refFile) throws Exception {
        try (NDManager scope = manager.newSubManager(); SafetensorsFile ref = Fixtures.ref(refFile)) {
            AutoencoderKL vae = AutoencoderKL.load(Fixtures.path(model), scope);
            AutoencoderKL.LatentDist d = vae.encode(ref.load("image", scope));
            Close.assertClose(ref.floats("latent_mean"), ref.info("latent_mean").shape(), d.mean(), 1e-4, model + " latent_mean");
            Close.assertClose(ref.floats("latent_std"), ref.info("latent_std").shape(), d.std(), 1e-4, model + " latent_std");
            Close.assertClose(ref.floats("decoded"), ref.info("decoded").shape(), vae.decode(ref.load("latent", scope)),
                    1e-4, model + " decoded");
        }
    }
}
