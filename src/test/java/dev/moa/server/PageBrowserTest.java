package dev.moa.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.pytorch.jni.JniUtils;
import dev.moa.image.PngText;
import dev.moa.pipeline.DiffusionPipeline;
import dev.moa.pipeline.StableDiffusion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page ({@code /}, {@code /app.js}, {@code /style.css}) in a real browser: Debian's chromium driven through
 * chromedriver against the real server on the tiny models. Skipped when chromium is missing, except under CI
 * ({@code CI} set, as {@code .ci/run} does), where a missing browser fails the test.
 *
 * <p>Screenshots go to {@code target/screenshots/}; with {@code -Dmoa.updateScreenshots=true} the one after the
 * first scenario also replaces {@code docs/images/serve-page.png}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PageBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SHOTS = Path.of("target/screenshots");
    private static final Path DOCS_SHOT = Path.of("docs/images/serve-page.png");
    private static final Path MAN = Path.of("fixtures/ref/moa_files/pub_man.png");
    private static final Path WOMAN = Path.of("fixtures/ref/moa_files/pub_woman.png");
    private static final Logger SELENIUM_LOG = Logger.getLogger("org.openqa.selenium");   // kept: loggers are weak

    private static StableDiffusion sd;
    private static DiffusionPipeline pipeline;
    private static MoaServer server;
    private static final ByteArrayOutputStream serverLog = new ByteArrayOutputStream();
    private static WebDriver driver;
    private static Path profile;
    private static String base;
    private static int torchThreads;

    @BeforeAll
    static void start() throws Exception {
        boolean browser = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String need = "the page test needs " + CHROMIUM + " and " + CHROMEDRIVER
                + " (apt-get install chromium chromium-driver)";
        if (System.getenv("CI") == null) {
            assumeTrue(browser, need + "; skipped outside CI");
        } else {
            assertTrue(browser, need + ": under CI the page test must run, not skip");
        }
        // one libtorch thread, as `moa serve --threads 1`: on two cores the browser needs the other one, and two
        // OpenMP threads sharing a busy core make a 1 s generation take a minute; restored in stop()
        ai.djl.engine.Engine.getEngine("PyTorch");
        torchThreads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        sd = StableDiffusion.load(Path.of("fixtures/models/tiny-sd"));
        pipeline = DiffusionPipeline.loadMoa(sd, Path.of("fixtures/models/tiny-moa"), null);
        PrintStream log = new PrintStream(new OutputStream() {   // to stderr, and kept for assertions
            @Override
            public void write(int b) {
                System.err.write(b);
                synchronized (serverLog) {
                    serverLog.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                System.err.write(b, off, len);
                synchronized (serverLog) {
                    serverLog.write(b, off, len);
                }
            }
        }, true, StandardCharsets.UTF_8);
        server = new MoaServer(pipeline, Limits.defaults(), null, log);
        base = "http://127.0.0.1:" + server.start("127.0.0.1", 0) + "/";

        // the browser: the system's chromium and chromedriver, never anything Selenium Manager would fetch
        System.setProperty("SE_OFFLINE", "true");
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        SELENIUM_LOG.setLevel(Level.SEVERE);
        profile = Files.createTempDirectory("moa-page-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toString());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1280,900");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().withSilent(true).build();
        driver = new ChromeDriver(service, options);
        driver.get(base);   // the page is 1280x900 inside the window (screenshots show the page, not the window)
        driver.manage().window().setSize(new Dimension(1280, 900));
        long w = (Long) js("return window.innerWidth");
        long h = (Long) js("return window.innerHeight");
        driver.manage().window().setSize(new Dimension((int) (2 * 1280 - w), (int) (2 * 900 - h)));
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            if (driver != null) {
                driver.quit();
            }
        } finally {
            if (server != null) {
                server.close();
            }
            if (pipeline != null) {
                pipeline.close();
            }
            if (sd != null) {
                sd.close();
            }
            if (torchThreads > 0) {
                JniUtils.setNumThreads(torchThreads);
            }
            if (profile != null) {
                try (Stream<Path> s = Files.walk(profile)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ scenarios

    @Test
    @Order(1)
    void generateWithASubjectShowsReferencePriorMoaAndRouterMapAndKeepsHistory() throws Exception {
        open();
        // the form is filled from GET /moa/v1/info
        List<String> samplers = driver.findElements(By.cssSelector("#sampler option")).stream()
                .map(o -> o.getAttribute("value")).toList();
        assertTrue(samplers.contains("Euler") && samplers.contains("DDIM"), samplers.toString());
        assertEquals("Euler", value("sampler"));
        assertEquals(Integer.toString(sd.defaultSize()), value("width"), "width defaults to default_size");
        assertEquals("20", value("steps"));
        assertEquals("-1", value("seed"));
        assertTrue(driver.findElement(By.id("model")).getText().contains("tiny-moa"),
                driver.findElement(By.id("model")).getText());
        driver.findElement(By.id("dice")).click();
        long dice = Long.parseLong(value("seed"));
        assertTrue(dice >= 0 && dice <= 0xffffffffL, "dice: " + dice);

        type("prompt", "a man in a cafe");
        type("negative", "blurry");
        type("seed", "1234");
        addSubject(MAN, "man");
        assertEquals(0, driver.findElements(By.cssSelector("#history li")).size());
        driver.findElement(By.id("generate")).click();

        waitFor(60, "result images", d -> loaded("img.result-moa") && loaded("img.result-prior")
                && loaded("img.result-ref") && loaded("img.result-router"));
        waitFor(10, "the run to end", d -> driver.findElement(By.id("generate")).isEnabled());
        assertTrue(text("status").startsWith("Done"), text("status"));
        assertEquals("1", driver.findElement(By.id("progress")).getAttribute("data-value"));
        // 32 px pictures are shown scaled up, pixelated
        WebElement moa = driver.findElement(By.cssSelector("img.result-moa"));
        assertEquals(sd.defaultSize(), ((Number) js("return arguments[0].naturalWidth", moa)).intValue());
        assertTrue(moa.getSize().getWidth() >= 128, "shown at " + moa.getSize());
        assertEquals("pixelated", moa.getCssValue("image-rendering"));

        // the history gains an entry with a download per PNG, the PNG carrying A1111's infotext
        List<WebElement> entries = driver.findElements(By.cssSelector("#history > li"));
        assertEquals(1, entries.size());
        WebElement link = entries.get(0).findElement(By.cssSelector("a[download='moa-1234.png']"));
        String href = link.getAttribute("href");
        assertTrue(href.startsWith("data:image/png;base64,"), href.substring(0, Math.min(40, href.length())));
        Map<String, String> text = PngText.parse(Base64.getDecoder().decode(href.substring(href.indexOf(',') + 1)));
        String infotext = text.get("parameters");
        assertTrue(infotext.startsWith("a man in a cafe\nNegative prompt: blurry\nSteps: 20, Sampler: Euler, CFG scale: 7,"
                + " Seed: 1234"), infotext);
        String shown = entries.get(0).findElement(By.cssSelector("pre.infotext")).getAttribute("textContent");
        assertEquals(infotext, shown, "the history shows the image's infotext");
        assertEquals(3, entries.get(0).findElements(By.cssSelector("a[download]")).size(), "prior, MoA, router map");

        js("window.scrollTo(0, 0); document.activeElement.blur()");
        byte[] png = screenshot("1-generate");
        if (Boolean.getBoolean("moa.updateScreenshots")) {
            Files.createDirectories(DOCS_SHOT.getParent());
            Files.write(DOCS_SHOT, png);
        }
    }

    @Test
    @Order(2)
    void progressMovesAndCancelStopsTheRun() throws Exception {
        open();
        type("prompt", "a quiet street at night");
        type("steps", "150");   // the server's maximum; 64x64 on the tiny model takes several seconds
        type("width", "64");
        type("height", "64");
        driver.findElement(By.id("generate")).click();
        waitFor(5, "the run to start", d -> driver.findElement(By.id("cancel")).isEnabled());
        assertFalse(driver.findElement(By.id("generate")).isEnabled(), "generate is disabled while running");
        waitFor(30, "progress above 0", d -> progress() > 0);
        double at = progress();
        assertTrue(at < 1, "cancelled before the end: " + at);
        assertTrue(text("status").contains("step "), text("status"));
        js("window.scrollTo(0, 0)");
        screenshot("2-progress");

        long t0 = System.nanoTime();
        driver.findElement(By.id("cancel")).click();
        waitFor(30, "generate to be enabled again", d -> driver.findElement(By.id("generate")).isEnabled());
        double secs = (System.nanoTime() - t0) / 1e9;
        String status = text("status");
        assertTrue(status.toLowerCase(Locale.ROOT).contains("interrupted"), status);
        assertTrue(status.contains("0 images"), status);
        assertFalse(driver.findElement(By.id("cancel")).isEnabled());
        assertTrue(driver.findElements(By.cssSelector("img.result-image")).isEmpty());
        assertTrue(serverLog().contains("(interrupted)"), "the server stopped the job: " + serverLog());
        assertTrue(secs < 10, "stopped " + secs + " s after cancel");
        screenshot("2-cancelled");
    }

    @Test
    @Order(3)
    void morphFramesScrubWithTheSlider() throws Exception {
        open();
        type("prompt", "a man in a cafe");
        assertFalse(driver.findElement(By.id("morph-section")).isDisplayed(), "no morph without a worded subject");
        addSubject(MAN, "man");
        waitFor(5, "the morph section", d -> driver.findElement(By.id("morph-section")).isDisplayed());
        assertFalse(driver.findElement(By.id("morph-generate")).isEnabled(), "morph waits for photo B");
        driver.findElement(By.id("morph-file")).sendKeys(WOMAN.toAbsolutePath().toString());
        waitFor(5, "morph to be ready", d -> driver.findElement(By.id("morph-generate")).isEnabled());
        type("morph-frames", "4");
        type("steps", "10");
        driver.findElement(By.id("morph-generate")).click();

        WebElement slider = waitFor(60, "the morph slider", d -> {
            List<WebElement> s = d.findElements(By.id("morph-slider"));
            return !s.isEmpty() && s.get(0).isDisplayed() ? s.get(0) : null;
        });
        assertEquals("3", slider.getAttribute("max"), "4 frames");
        assertEquals("0", slider.getAttribute("value"));
        WebElement frame = driver.findElement(By.id("morph-frame"));
        String first = frame.getAttribute("src");
        assertTrue(first.startsWith("data:image/png;base64,"));
        js("arguments[0].value = 3; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", slider);
        String last = frame.getAttribute("src");
        assertNotEquals(first, last, "the slider shows another frame");
        assertTrue(text("morph-t").startsWith("t = 1.00"), text("morph-t"));
        slider.sendKeys(Keys.ARROW_LEFT);   // the keyboard scrubs as well
        waitFor(5, "frame 3 of 4", d -> "2".equals(slider.getAttribute("value")));
        String third = frame.getAttribute("src");
        assertNotEquals(last, third);
        assertNotEquals(first, third);
        assertTrue(text("morph-t").startsWith("t = 0.67"), text("morph-t"));

        WebElement entry = driver.findElement(By.cssSelector("#history > li"));
        assertTrue(entry.getText().contains("Morph") || entry.getText().contains("MORPH"), entry.getText());
        assertEquals(4, entry.findElements(By.cssSelector("a[download]")).size(), "a download per frame");
        js("document.getElementById('morph-section').scrollIntoView()");
        screenshot("3-morph");
    }

    @Test
    @Order(4)
    void validationErrorsShowTheServersMessage() throws Exception {
        open();
        type("prompt", "a woman on a bike");
        dropFile("subject-drop", MAN);   // drag and drop, as a person would add the photo
        List<WebElement> words = waitFor(5, "the dropped subject",
                d -> d.findElements(By.cssSelector("#subject-list .subject-word")).size() == 1
                        ? d.findElements(By.cssSelector("#subject-list .subject-word")) : null);
        words.get(0).sendKeys("man");
        WebElement error = driver.findElement(By.id("error"));
        assertFalse(error.isDisplayed());
        driver.findElement(By.id("generate")).click();
        waitFor(10, "the error", d -> error.isDisplayed());
        String message = text("error-text");
        assertTrue(message.contains("subject word 'man' is not in the prompt"), message);
        assertTrue(driver.findElement(By.id("subject-list")).getAttribute("class").contains("invalid"),
                "the field the server names is marked");
        assertTrue(driver.findElement(By.id("generate")).isEnabled());
        screenshot("4-error");
        driver.findElement(By.id("error-close")).click();
        assertFalse(error.isDisplayed(), "the message can be dismissed");

        type("prompt", "a man on a bike");
        type("steps", "0");
        driver.findElement(By.id("generate")).click();
        waitFor(10, "the steps error", d -> error.isDisplayed());
        message = text("error-text");
        assertTrue(message.contains("steps: must be between 1 and 150, got 0"), message);
        assertTrue(driver.findElement(By.id("steps")).getAttribute("class").contains("invalid"));
        assertTrue(driver.findElements(By.cssSelector("#history > li")).isEmpty(), "nothing was made");
    }

    /** A scenario that failed mid-run must not leave a long generation to the next one. */
    @AfterEach
    void stopAnyRun() {
        try {
            if (driver != null && !driver.findElement(By.id("generate")).isEnabled()) {
                js("return fetch('/sdapi/v1/interrupt', {method: 'POST'}).then(() => true)");
            }
        } catch (RuntimeException e) {
            System.err.println("page test: could not check for a run left going: " + e);
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** A fresh page: settings the page keeps in localStorage (steps...) do not leak from one scenario to the next. */
    private static void open() {
        js("localStorage.clear()");   // the browser is always on the page's origin (start() opened it)
        driver.get(base);
        waitFor(15, "the page to load the server's info",
                d -> "true".equals(js("return document.body.dataset.ready || ''")));
    }

    private static <T> T waitFor(int seconds, String what, java.util.function.Function<WebDriver, T> until) {
        WebDriverWait w = new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(100));
        w.withMessage(() -> "waiting for " + what + "; status: " + statusForMessage());
        return w.until(until::apply);
    }

    private static String statusForMessage() {
        try {
            return driver.findElement(By.id("status")).getText() + " / error: "
                    + driver.findElement(By.id("error")).getAttribute("textContent");
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private static String value(String id) {
        return driver.findElement(By.id(id)).getAttribute("value");
    }

    private static String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    private static void type(String id, String text) {
        WebElement e = driver.findElement(By.id(id));
        e.clear();
        e.sendKeys(text);
    }

    private static double progress() {
        return Double.parseDouble(driver.findElement(By.id("progress")).getAttribute("data-value"));
    }

    /** Picks a photo through the file input and types its word. */
    private static void addSubject(Path photo, String word) {
        int before = driver.findElements(By.cssSelector("#subject-list .subject-word")).size();
        driver.findElement(By.id("subject-files")).sendKeys(photo.toAbsolutePath().toString());
        List<WebElement> words = waitFor(5, "the subject row", d -> {
            List<WebElement> w = d.findElements(By.cssSelector("#subject-list .subject-word"));
            return w.size() > before ? w : null;
        });
        WebElement input = words.get(words.size() - 1);
        assertEquals("", input.getAttribute("value"), "the word starts empty");
        input.sendKeys(word);
    }

    /** Drops {@code file} on the element as the browser does for a drag from the desktop (dragenter, dragover, drop). */
    private static void dropFile(String id, Path file) throws IOException {
        js("const [id, name, b64] = arguments;"
                + " const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));"
                + " const dt = new DataTransfer(); dt.items.add(new File([bytes], name, {type: 'image/png'}));"
                + " const target = document.getElementById(id);"
                + " for (const type of ['dragenter', 'dragover', 'drop']) {"
                + "   target.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));"
                + " }", id, file.getFileName().toString(), Base64.getEncoder().encodeToString(Files.readAllBytes(file)));
    }

    /** All images matching {@code css} are there and decoded. */
    private static boolean loaded(String css) {
        return Boolean.TRUE.equals(js("const a = document.querySelectorAll(arguments[0]);"
                + " return a.length > 0 && [...a].every(i => i.complete && i.naturalWidth > 0);", css));
    }

    private static byte[] screenshot(String name) throws IOException {
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(SHOTS.resolve(name + ".png"), png);
        return png;
    }

    private static String serverLog() {
        synchronized (serverLog) {
            return serverLog.toString(StandardCharsets.UTF_8);
        }
    }
}
