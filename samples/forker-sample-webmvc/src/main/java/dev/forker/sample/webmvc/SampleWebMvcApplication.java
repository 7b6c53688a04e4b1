package dev.forker.sample.webmvc;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring MVC application that forker runs in prefork mode: {@code forker.enabled} is
 * set in {@code application.yml}, nothing else is forker-specific.
 */
@SpringBootApplication
public class SampleWebMvcApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleWebMvcApplication.class, args);
	}

}
