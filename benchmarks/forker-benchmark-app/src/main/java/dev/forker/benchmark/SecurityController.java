package dev.forker.benchmark;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.boot.web.servlet.DelegatingFilterProxyRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationFailureHandler;
import org.springframework.security.web.context.AbstractSecurityWebApplicationInitializer;
import org.springframework.security.web.savedrequest.NullRequestCache;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A logged-in user that Spring Security keeps in the HTTP session, on two paths only.
 * {@code POST /login} (form login, {@code username} and {@code password} form parameters,
 * a fixed in-memory user) stores the user's {@code SecurityContext} in the session and
 * answers 200; {@code GET /me} requires authentication, so Spring Security reads that
 * context from the session on every request, and answers the user's name. Without a
 * login, {@code /me} answers 401.
 * <p>
 * Every other endpoint of the application behaves as it does without Spring Security:
 * Spring Security's filter is registered for these two paths only (instead of Spring
 * Boot's registration on every path, excluded in {@code application.yml}) and its one
 * filter chain matches them only.
 */
@RestController
class SecurityController {

	static final String USER = "bench";

	static final String PASSWORD = "bench";

	private static final String[] PATHS = { "/login", "/me" };

	/**
	 * The name of the logged-in user, from the security context of the session.
	 * @param authentication the user's authentication
	 * @return the user's name
	 */
	@GetMapping(path = "/me", produces = "text/plain")
	String me(Authentication authentication) {
		return authentication.getName();
	}

	@Configuration(proxyBeanMethods = false)
	static class SecurityConfiguration {

		@Bean
		SecurityFilterChain sessionLoginFilterChain(HttpSecurity http) throws Exception {
			return http.securityMatcher(PATHS)
				.authorizeHttpRequests((requests) -> requests.anyRequest().authenticated())
				.formLogin((login) -> login
					.successHandler(
							(request, response, authentication) -> response.setStatus(HttpServletResponse.SC_OK))
					.failureHandler(new SimpleUrlAuthenticationFailureHandler()))
				.exceptionHandling((exceptions) -> exceptions
					.authenticationEntryPoint(new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED)))
				// A request to /me without a login is answered 401, not kept for later in
				// a new session
				.requestCache((cache) -> cache.requestCache(new NullRequestCache()))
				// The load generator posts the login form without a token
				.csrf(AbstractHttpConfigurer::disable)
				.build();
		}

		@Bean
		DelegatingFilterProxyRegistrationBean sessionLoginFilterRegistration() {
			DelegatingFilterProxyRegistrationBean registration = new DelegatingFilterProxyRegistrationBean(
					AbstractSecurityWebApplicationInitializer.DEFAULT_FILTER_NAME);
			registration.setOrder(SecurityFilterProperties.DEFAULT_FILTER_ORDER);
			registration.addUrlPatterns(PATHS);
			return registration;
		}

		@Bean
		UserDetailsService users() {
			// A login costs what keeping its session costs: no password hashing, and not
			// a UserDetailsPasswordService (as InMemoryUserDetailsManager is), whose
			// password Spring Security would upgrade to BCrypt at the first login, so
			// that every later one would cost tens of milliseconds of CPU
			return (username) -> {
				if (!USER.equals(username)) {
					throw new UsernameNotFoundException(username);
				}
				return User.withUsername(USER).password("{noop}" + PASSWORD).roles("USER").build();
			};
		}

	}

}
