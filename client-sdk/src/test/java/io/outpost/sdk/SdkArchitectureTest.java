package io.outpost.sdk;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.List;

/** The SDK's boundaries (STYLE.md): no Spring or Axon, and no public type that exposes {@code sdk.internal}. */
@AnalyzeClasses(packages = "io.outpost.sdk", importOptions = ImportOption.DoNotIncludeTests.class)
class SdkArchitectureTest {

    @ArchTest
    static final ArchRule noSpringNoAxon = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("org.springframework..", "org.axonframework..", "io.outpost.api..",
                    "io.outpost.command..", "io.outpost.query..");

    @ArchTest
    static final ArchRule publicApiDoesNotExposeInternals = classes().that().resideInAPackage("io.outpost.sdk")
            .and().arePublic().should(new ArchCondition<>("expose no io.outpost.sdk.internal type in a public member") {
                @Override
                public void check(JavaClass type, ConditionEvents events) {
                    List<JavaMember> members = new ArrayList<>();
                    members.addAll(type.getMethods());
                    members.addAll(type.getConstructors());
                    members.addAll(type.getFields());
                    for (JavaMember m : members) {
                        if (!m.getModifiers().contains(JavaModifier.PUBLIC)) {
                            continue;
                        }
                        List<JavaClass> exposed = new ArrayList<>();
                        if (m instanceof JavaMethod method) {
                            exposed.add(method.getRawReturnType());
                        }
                        if (m instanceof com.tngtech.archunit.core.domain.JavaCodeUnit unit) {
                            exposed.addAll(unit.getRawParameterTypes());
                        }
                        if (m instanceof com.tngtech.archunit.core.domain.JavaField field) {
                            exposed.add(field.getRawType());
                        }
                        for (JavaClass t : exposed) {
                            if (t.getPackageName().startsWith("io.outpost.sdk.internal")) {
                                events.add(SimpleConditionEvent.violated(m, m.getFullName() + " exposes " + t.getName()));
                            }
                        }
                    }
                }
            });
}
