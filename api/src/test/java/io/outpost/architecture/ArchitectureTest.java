package io.outpost.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The module boundaries of STYLE.md, checked on the compiled classes of every server module. */
@AnalyzeClasses(packages = "io.outpost", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule policiesArePure = noClasses().that().resideInAPackage("io.outpost.command.policy..")
            .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "org.axonframework..")
            .because("conflict policies are small pure objects");

    @ArchTest
    static final ArchRule querySideUsesOnlyTheCommandApi = noClasses().that().resideInAPackage("io.outpost.query..")
            .should().dependOnClassesThat().resideInAnyPackage("io.outpost.command.record..",
                    "io.outpost.command.policy..")
            .because("query-side reaches the command side only through command.api");

    @ArchTest
    static final ArchRule dtosHaveNoAxonTypes = noClasses().that().resideInAPackage("io.outpost.api.web.dto..")
            .should().dependOnClassesThat().resideInAPackage("org.axonframework..")
            .because("no Axon type reaches the JSON");

    @ArchTest
    static final ArchRule onlyTheCommandApiIsUsedOutsideTheCommandSide = noClasses()
            .that().resideOutsideOfPackage("io.outpost.command..")
            .should().dependOnClassesThat().resideInAPackage("io.outpost.command.record..")
            .because("the aggregate is internal to command-side");

    @ArchTest
    static final ArchRule theAggregateIsNotPublic = classes().that().resideInAPackage("io.outpost.command.record..")
            .should().notBePublic()
            .because("only command.api is public in command-side");
}
