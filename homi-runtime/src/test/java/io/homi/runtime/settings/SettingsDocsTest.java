package io.homi.runtime.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's options table and docs/settings.md are what {@link HomiSettings} generates. On a
 * difference: {@code mvn -o -q test -pl homi-runtime -am -Dtest=SettingsDocsTest
 * -DwriteSettingsDocs=true -Dsurefire.failIfNoSpecifiedTests=false} rewrites both.
 */
class SettingsDocsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void readmeAndSettingsPageMatchTheRegistry() throws Exception {
    if (Boolean.getBoolean("writeSettingsDocs")) SettingsDocs.write(ROOT);
    String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
    assertThat(readme)
        .as("README.md's options table (regenerate: see SettingsDocsTest)")
        .isEqualTo(SettingsDocs.readme(readme));
    assertThat(Files.readString(ROOT.resolve("docs/settings.md"), StandardCharsets.UTF_8))
        .as("docs/settings.md (regenerate: see SettingsDocsTest)")
        .isEqualTo(SettingsDocs.settingsPage());
  }

  @Test
  void everySettingIsInTheDocsWithItsDefault() {
    String page = SettingsDocs.settingsPage();
    for (Setting<?> s : HomiSettings.all()) {
      assertThat(page).contains("| `" + s.key() + "` | ");
      if (s.scope() == Setting.Scope.SCAN)
        assertThat(SettingsDocs.readmeTable()).contains("| `" + s.key() + "` | ");
      assertThat(s.doc()).as(s.key() + "'s doc").isNotBlank();
    }
    assertThat(SettingsDocs.readmeTable()).doesNotContain("homi.ioThreads");
  }
}
