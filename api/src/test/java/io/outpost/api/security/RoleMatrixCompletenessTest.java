package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/** Every controller endpoint of ours appears in {@link RoleMatrixTest#ENDPOINTS}. */
@SpringBootTest
@ActiveProfiles("test")
class RoleMatrixCompletenessTest {

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    private RequestMappingHandlerMapping mappings;

    @Test
    void theRoleMatrixListsEveryEndpoint() {
        Set<String> inMatrix = new TreeSet<>();
        RoleMatrixTest.ENDPOINTS.forEach(e -> inMatrix.add(e.method() + " " + normalise(e.path())));
        Set<String> served = new TreeSet<>();
        mappings.getHandlerMethods().forEach((info, method) -> {
            if (!method.getBeanType().getPackageName().startsWith("io.outpost")) return;
            for (String pattern : info.getPatternValues()) {
                for (var m : info.getMethodsCondition().getMethods()) served.add(m.name() + " " + normalise(pattern));
            }
        });
        assertThat(inMatrix).containsAll(served);
    }

    /** Path variables and query strings do not matter: {@code /a/{id}/b?x=1} and {@code /a/7/b} are the same. */
    private static String normalise(String path) {
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        return p.replaceAll("\\{[^}]+}", "*").replaceAll("/c\\.[^/]+", "/*").replaceAll("/records/notes/x", "/records/*/*")
                .replaceAll("/devices/[^/*]+/", "/devices/*/");
    }
}
