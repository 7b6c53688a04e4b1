package dev.forker.benchmark;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark endpoints answer what the harness expects.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class BenchmarkApplicationTests {

	private final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Test
	void helloIsPlainText() throws Exception {
		assertThat(get("/hello")).isEqualTo("Hello, World!");
	}

	@Test
	void allocBuildsADocumentOfAFewHundredKilobytes() throws Exception {
		String document = get("/alloc");
		assertThat(document.length()).isBetween(150_000, 600_000);
		assertThat(document).contains("\"count\":2000");
	}

	@Test
	void lockedTakesAboutAMillisecond() throws Exception {
		long start = System.nanoTime();
		for (int i = 0; i < 20; i++) {
			assertThat(get("/locked")).isEqualTo("ok");
		}
		assertThat((System.nanoTime() - start) / 20).isGreaterThanOrEqualTo(1_000_000);
	}

	private String get(String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build();
		HttpResponse<String> response = this.client.send(request, HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return response.body();
	}

}
