package dev.forker.sample.jetty;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring MVC application on Jetty that forker runs in prefork mode:
 * {@code forker.enabled} is set in {@code application.yml}, and the build swaps
 * {@code spring-boot-starter-tomcat} for {@code spring-boot-starter-jetty}. Nothing else
 * is forker-specific.
 */
@SpringBootApplication
public class SampleJettyApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleJettyApplication.class, args);
	}

}
