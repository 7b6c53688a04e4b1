package dev.forker.benchmark;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;

import jakarta.servlet.ServletContext;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
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

	@Autowired
	private ServletContext servletContext;

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

	@Test
	void sessionCountsTheVisitsOfOneSession() throws Exception {
		HttpResponse<String> first = send(HttpRequest.newBuilder(uri("/session")));
		assertThat(first.body()).isEqualTo("1");
		String cookie = sessionCookie(first);
		assertThat(send(HttpRequest.newBuilder(uri("/session")).header("Cookie", cookie)).body()).isEqualTo("2");
	}

	@Test
	void meAnswersTheUserOfTheSessionALoginCreated() throws Exception {
		HttpResponse<String> login = login(SecurityController.PASSWORD);
		assertThat(login.statusCode()).isEqualTo(200);
		String cookie = sessionCookie(login);
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> me = send(HttpRequest.newBuilder(uri("/me")).header("Cookie", cookie));
			assertThat(me.statusCode()).isEqualTo(200);
			assertThat(me.body()).isEqualTo(SecurityController.USER);
			// Spring Security's headers: its filter chain ran
			assertThat(me.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
		}
	}

	@Test
	void everyLoginStartsASessionOfItsOwn() throws Exception {
		String first = sessionCookie(login(SecurityController.PASSWORD));
		String second = sessionCookie(login(SecurityController.PASSWORD));
		assertThat(second).isNotEqualTo(first);
		assertThat(send(HttpRequest.newBuilder(uri("/me")).header("Cookie", first)).statusCode()).isEqualTo(200);
	}

	@Test
	void meWithoutALoginIsUnauthorized() throws Exception {
		HttpResponse<String> me = send(HttpRequest.newBuilder(uri("/me")));
		assertThat(me.statusCode()).isEqualTo(401);
		assertThat(me.headers().firstValue("Set-Cookie")).isEmpty();
	}

	@Test
	void aWrongPasswordIsUnauthorized() throws Exception {
		assertThat(login("wrong").statusCode()).isEqualTo(401);
	}

	@Test
	void springSecurityFiltersTheNewPathsOnly() {
		assertThat(this.servletContext.getFilterRegistration("springSecurityFilterChain").getUrlPatternMappings())
			.containsExactlyInAnyOrder("/login", "/me");
	}

	@Test
	void springSecurityLeavesTheOtherEndpointsAlone() throws Exception {
		for (String path : new String[] { "/hello", "/locked", "/evict", "/worker" }) {
			HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)));
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.headers().firstValue("X-Content-Type-Options")).isEmpty();
			assertThat(response.headers().firstValue("Cache-Control")).isEmpty();
			assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
		}
	}

	private HttpResponse<String> login(String password) throws IOException, InterruptedException {
		return send(HttpRequest.newBuilder(uri("/login"))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(BodyPublishers.ofString("username=" + SecurityController.USER + "&password=" + password)));
	}

	private static String sessionCookie(HttpResponse<String> response) {
		String setCookie = response.headers().firstValue("Set-Cookie").orElseThrow();
		return setCookie.substring(0, setCookie.indexOf(';'));
	}

	private String get(String path) throws IOException, InterruptedException {
		HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)));
		assertThat(response.statusCode()).isEqualTo(200);
		return response.body();
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
		return this.client.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

}
