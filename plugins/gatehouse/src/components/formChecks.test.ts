import {
  descriptionProblem,
  restrictionsProblem,
  serverProblems,
  subjectProblem,
} from './formChecks';

describe("the new-token form's checks", () => {
  it('refuses the subjects the backend refuses', () => {
    expect(subjectProblem('ci-pipeline')).toBeUndefined();
    expect(subjectProblem('svc.déploiement')).toBeUndefined();
    for (const bad of [
      '',
      'Bad Subject!',
      'tab\there',
      'zero\u200bwidth',
      'bidi\u202eoverride',
      'line\nbreak',
    ]) {
      expect(subjectProblem(bad)).toBeDefined();
    }
    for (const reserved of [
      'plugin:catalog',
      'external:idp',
      'user:default/jane',
      'PLUGIN:catalog',
      'plugin\uff1acatalog', // fullwidth colon, as NFKC reads it
    ]) {
      expect(subjectProblem(reserved)).toMatch(/^Must not start with/);
    }
    expect(subjectProblem('x'.repeat(101))).toBe('At most 100 characters');
  });

  it('needs a readable description', () => {
    expect(descriptionProblem('deploys the docs')).toBeUndefined();
    expect(descriptionProblem('   ')).toMatch(/^Required/);
    expect(descriptionProblem('a\u0007bell')).toMatch(/control characters/);
  });

  it('names the line of a plugin id that is not one, or named twice', () => {
    expect(restrictionsProblem(undefined)).toBeUndefined();
    expect(restrictionsProblem(['catalog', 'techdocs'])).toBeUndefined();
    expect(restrictionsProblem(['catalog', 'Search', 'catalog'])).toBe(
      "line 2: 'Search' is not a plugin id (lower-case letters, digits and dashes); line 3: 'catalog' is named twice; name each plugin once",
    );
  });

  it("maps a 400's problems to the fields they name", () => {
    expect(
      serverProblems(
        'Invalid request: subject: must be a non-empty string without white space, control or format characters',
      ),
    ).toEqual({
      fields: {
        subject:
          'must be a non-empty string without white space, control or format characters',
      },
      general: undefined,
    });
    expect(
      serverProblems(
        "Invalid request: description: must say what the token is for; expiresAt: must be in the future; accessRestrictions[2].permissionAttribute.action[0]: must be one of 'create', 'read'; accessRestrictions: plugin 'catalog' is named twice; give each plugin once",
      ),
    ).toEqual({
      fields: {
        description: 'must say what the token is for',
        lifetime: 'must be in the future',
        restrictions:
          "line 3, permissionAttribute.action[0]: must be one of 'create', 'read'; plugin 'catalog' is named twice; give each plugin once",
      },
      general: undefined,
    });
    expect(
      serverProblems(
        "Invalid request: give 'expiresAt' or 'expiresIn', not both",
      ),
    ).toEqual({
      fields: {},
      general: "Invalid request: give 'expiresAt' or 'expiresIn', not both",
    });
    expect(serverProblems('Something else')).toEqual({
      fields: {},
      general: 'Something else',
    });
  });
});
