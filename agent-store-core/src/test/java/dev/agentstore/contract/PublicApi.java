package dev.agentstore.contract;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads a module's compiled classes to find where its public API shows its internals: every public
 * or protected member (field, constructor, method, record component), supertype and type parameter
 * of every public type in the module's exported packages (all but {@code …internal…}), generic
 * arguments and bounds included; and which classes refer to an {@code internal} package at all,
 * from their class files' constant pools. Each module's test calls it for its own classes.
 */
public final class PublicApi {
  /** A package segment {@code internal}, in a binary name ({@code a.internal.B}). */
  private static final Pattern INTERNAL_NAME = Pattern.compile("(^|\\.)internal(\\.|$)");

  /** A package segment {@code internal} of agent-store, in a class file's internal form. */
  private static final Pattern INTERNAL_REFERENCE =
      Pattern.compile("dev/agentstore/(?:[A-Za-z0-9_$]+/)*internal/");

  private PublicApi() {}

  /**
   * The public types, in the exported packages of the module that holds {@code anchor}.
   *
   * @return binary class names, sorted
   */
  public static List<String> exportedTypes(Class<?> anchor) {
    List<String> types = new ArrayList<>();
    for (String name : classNames(anchor)) {
      if (!INTERNAL_NAME.matcher(packageOf(name)).find()) {
        Class<?> type = load(anchor, name);
        if (accessible(type)) {
          types.add(name);
        }
      }
    }
    return types;
  }

  /**
   * Every place where a public signature in the module that holds {@code anchor} mentions a type
   * from an {@code internal} package, as {@code "<declaring type>: <where> mentions <type>"}.
   */
  public static List<String> internalsInSignatures(Class<?> anchor) {
    List<String> leaks = new ArrayList<>();
    for (String name : exportedTypes(anchor)) {
      check(load(anchor, name), leaks);
    }
    return leaks;
  }

  /**
   * The classes of the module that holds {@code anchor}, in packages that {@code packages} accepts,
   * whose class files refer to a class in an agent-store {@code internal} package (an import that
   * is used, a call, a field, a descriptor), each with the first such reference.
   */
  public static List<String> classesReferringToInternals(
      Class<?> anchor, Predicate<String> packages) {
    List<String> found = new ArrayList<>();
    for (String name : classNames(anchor)) {
      if (packages.test(packageOf(name))) {
        String reference = firstInternalReference(anchor, name);
        if (reference != null) {
          found.add(name + " refers to " + reference);
        }
      }
    }
    return found;
  }

  // ---------------------------------------------------------------- signatures

  private static void check(Class<?> type, List<String> leaks) {
    String owner = type.getName();
    for (TypeVariable<?> variable : type.getTypeParameters()) {
      report(leaks, owner, "type parameter " + variable.getName(), variable.getBounds());
    }
    Type superclass = type.getGenericSuperclass();
    if (superclass != null) {
      report(leaks, owner, "superclass", superclass);
    }
    report(leaks, owner, "interfaces", type.getGenericInterfaces());
    if (type.isRecord()) {
      for (RecordComponent component : type.getRecordComponents()) {
        report(leaks, owner, "record component " + component.getName(), component.getGenericType());
      }
    }
    // Members a subclass or caller sees: this type's own, and those it inherits from superclasses
    // that are not themselves public API (a public method of a package-private base is callable).
    for (Class<?> declaring = type;
        declaring != null && (declaring == type || !accessible(declaring));
        declaring = declaring.getSuperclass()) {
      for (Field field : declaring.getDeclaredFields()) {
        if (visible(field)) {
          report(leaks, owner, "field " + field.getName(), field.getGenericType());
        }
      }
      for (Constructor<?> constructor : declaring.getDeclaredConstructors()) {
        if (visible(constructor) && declaring == type) {
          checkExecutable(constructor, "constructor", owner, leaks);
        }
      }
      for (Method method : declaring.getDeclaredMethods()) {
        if (visible(method)) {
          checkExecutable(method, "method " + method.getName(), owner, leaks);
          report(
              leaks,
              owner,
              "method " + method.getName() + " returns",
              method.getGenericReturnType());
        }
      }
    }
  }

  private static void checkExecutable(
      Executable executable, String what, String owner, List<String> leaks) {
    for (TypeVariable<?> variable : executable.getTypeParameters()) {
      report(leaks, owner, what + " type parameter " + variable.getName(), variable.getBounds());
    }
    report(leaks, owner, what + " parameters", executable.getGenericParameterTypes());
    report(leaks, owner, what + " throws", executable.getGenericExceptionTypes());
  }

  private static void report(List<String> leaks, String owner, String where, Type... types) {
    for (Type type : types) {
      String internal = internalIn(type, new HashSet<>());
      if (internal != null) {
        leaks.add(owner + ": " + where + " mentions " + internal);
      }
    }
  }

  /** The first internal class that {@code type} names, anywhere inside it; null when none. */
  private static String internalIn(Type type, Set<TypeVariable<?>> seen) {
    if (type instanceof Class<?> plain) {
      Class<?> element = plain;
      while (element.isArray()) {
        element = element.getComponentType();
      }
      return INTERNAL_NAME.matcher(packageOf(element.getName())).find() ? element.getName() : null;
    }
    List<Type> inside = new ArrayList<>();
    if (type instanceof ParameterizedType parameterized) {
      inside.add(parameterized.getRawType());
      if (parameterized.getOwnerType() != null) {
        inside.add(parameterized.getOwnerType());
      }
      Collections.addAll(inside, parameterized.getActualTypeArguments());
    } else if (type instanceof WildcardType wildcard) {
      Collections.addAll(inside, wildcard.getUpperBounds());
      Collections.addAll(inside, wildcard.getLowerBounds());
    } else if (type instanceof GenericArrayType array) {
      inside.add(array.getGenericComponentType());
    } else if (type instanceof TypeVariable<?> variable && seen.add(variable)) {
      Collections.addAll(inside, variable.getBounds());
    }
    for (Type part : inside) {
      String internal = internalIn(part, seen);
      if (internal != null) {
        return internal;
      }
    }
    return null;
  }

  private static boolean visible(Member member) {
    int modifiers = member.getModifiers();
    return !member.isSynthetic()
        && (Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers));
  }

  /** Whether code outside the package can name {@code type}: public, and so is each enclosing. */
  private static boolean accessible(Class<?> type) {
    if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic()) {
      return false;
    }
    int modifiers = type.getModifiers();
    Class<?> enclosing = type.getDeclaringClass();
    if (enclosing == null) {
      return Modifier.isPublic(modifiers);
    }
    return (Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers))
        && accessible(enclosing);
  }

  // ---------------------------------------------------------------- class files

  /** The binary names of every class in the directory or jar that holds {@code anchor}. */
  private static Set<String> classNames(Class<?> anchor) {
    Path location = location(anchor);
    Set<String> names = new TreeSet<>();
    try {
      if (Files.isDirectory(location)) {
        try (Stream<Path> files = Files.walk(location)) {
          files
              .filter(file -> file.toString().endsWith(".class"))
              .map(
                  file ->
                      location
                          .relativize(file)
                          .toString()
                          .replace(file.getFileSystem().getSeparator(), "/"))
              .forEach(file -> addClass(names, file));
        }
      } else {
        try (JarFile jar = new JarFile(location.toFile())) {
          for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
            addClass(names, entries.nextElement().getName());
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("listing the classes in " + location, e);
    }
    if (names.isEmpty()) {
      throw new AssertionError("no classes found in " + location);
    }
    return names;
  }

  private static void addClass(Set<String> names, String file) {
    if (file.endsWith(".class")
        && !file.endsWith("module-info.class")
        && !file.endsWith("package-info.class")
        && !file.startsWith("META-INF/")) {
      names.add(file.substring(0, file.length() - ".class".length()).replace('/', '.'));
    }
  }

  private static Path location(Class<?> anchor) {
    try {
      return Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("where " + anchor.getName() + " was loaded from", e);
    }
  }

  private static Class<?> load(Class<?> anchor, String name) {
    try {
      // Not initialised: reading signatures must not run static initialisers.
      return Class.forName(name, false, anchor.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("cannot load " + name, e);
    }
  }

  private static String packageOf(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(0, dot);
  }

  /**
   * The first UTF-8 constant of the class file of {@code name} that names an agent-store internal
   * package: class references, descriptors and generic signatures all live there.
   */
  private static String firstInternalReference(Class<?> anchor, String name) {
    String resource = name.replace('.', '/') + ".class";
    try (InputStream stream = anchor.getClassLoader().getResourceAsStream(resource)) {
      if (stream == null) {
        throw new IllegalStateException("no class file for " + name);
      }
      DataInputStream in = new DataInputStream(stream);
      if (in.readInt() != 0xCAFEBABE) {
        throw new IllegalStateException(resource + " is not a class file");
      }
      in.readUnsignedShort(); // minor version
      in.readUnsignedShort(); // major version
      int count = in.readUnsignedShort();
      for (int index = 1; index < count; index++) {
        int tag = in.readUnsignedByte();
        switch (tag) {
          case 1 -> {
            String text = in.readUTF();
            if (INTERNAL_REFERENCE.matcher(text).find()) {
              return text;
            }
          }
          case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
          case 15 -> in.skipNBytes(3);
          case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
          case 5, 6 -> {
            in.skipNBytes(8);
            index++; // a long or double takes two entries
          }
          default ->
              throw new IllegalStateException(
                  resource + ": unknown constant pool tag " + tag + " at entry " + index);
        }
      }
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + resource, e);
    }
  }
}
